package dev.xent.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.xent.spark.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CrossEntropyEvaluator} inside MLlib: a CrossValidator tunes a LogisticRegression with it,
 * saves and loads; on raw predictions its cross-entropy equals MLlib's logLoss on probabilities
 * where nothing is clipped, and stays exact where MLlib clips at 1e-15.
 */
class CrossEntropyEvaluatorTest {
  private final SparkSession spark = TestSpark.session();
  @TempDir Path tmp;

  private static final StructType POINTS =
      new StructType()
          .add("features", new VectorUDT())
          .add("label", DataTypes.DoubleType)
          .add("w", DataTypes.DoubleType);

  /** Three Gaussian blobs in two dimensions, seeded. */
  private Dataset<Row> blobs(int n, long seed) {
    Random random = new Random(seed);
    double[][] centres = {{0, 0}, {2.5, 0.5}, {0.5, 2.5}};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int c = i % 3;
      rows.add(
          RowFactory.create(
              Vectors.dense(
                  centres[c][0] + random.nextGaussian(), centres[c][1] + random.nextGaussian()),
              (double) c,
              0.5 + random.nextDouble()));
    }
    return spark.createDataFrame(rows, POINTS);
  }

  @Test
  void aCrossValidatorTunesWithItAndSavesAndLoads() throws Exception {
    Dataset<Row> data = blobs(300, 7);
    LogisticRegression lr = new LogisticRegression().setMaxIter(30);
    CrossEntropyEvaluator evaluator = new CrossEntropyEvaluator();
    ParamMap[] grid =
        new ParamGridBuilder().addGrid(lr.regParam(), new double[] {0.0, 0.5}).build();
    CrossValidator cv =
        new CrossValidator()
            .setEstimator(new Pipeline().setStages(new PipelineStage[] {lr}))
            .setEvaluator(evaluator)
            .setEstimatorParamMaps(grid)
            .setNumFolds(2)
            .setSeed(1);
    CrossValidatorModel model = cv.fit(data);
    double[] metrics = model.avgMetrics();
    assertThat(metrics).hasSize(2);
    // Cross-entropy is smaller-is-better; the chosen model has the smaller average.
    assertThat(evaluator.isLargerBetter()).isFalse();
    assertThat(metrics[0]).isLessThan(metrics[1]);

    Path saved = tmp.resolve("cv");
    cv.write().save(saved.toString());
    CrossValidator loaded = CrossValidator.load(saved.toString());
    assertThat(loaded.getEvaluator()).isInstanceOf(CrossEntropyEvaluator.class);
    assertThat(((CrossEntropyEvaluator) loaded.getEvaluator()).getMetricName())
        .isEqualTo("crossEntropy");

    Path evaluatorPath = tmp.resolve("evaluator");
    new CrossEntropyEvaluator()
        .setMetricName("topKAccuracy")
        .setK(2)
        .write()
        .save(evaluatorPath.toString());
    CrossEntropyEvaluator back = CrossEntropyEvaluator.load(evaluatorPath.toString());
    assertThat(back.getMetricName()).isEqualTo("topKAccuracy");
    assertThat(back.isLargerBetter()).isTrue();
  }

  @Test
  void onRawPredictionsItEqualsMllibsLogLossWhereNothingIsClipped() {
    Dataset<Row> data = blobs(600, 3);
    Dataset<Row> scored = new LogisticRegression().setMaxIter(50).fit(data).transform(data);
    MulticlassClassificationEvaluator mllib =
        new MulticlassClassificationEvaluator().setProbabilityCol("probability");
    double logLoss = mllib.setMetricName("logLoss").evaluate(scored);
    double accuracy = mllib.setMetricName("accuracy").evaluate(scored);
    CrossEntropyEvaluator xent = new CrossEntropyEvaluator();
    assertThat(xent.evaluate(scored)).isCloseTo(logLoss, within(1e-9 * logLoss));
    assertThat(xent.setMetricName("accuracy").evaluate(scored)).isEqualTo(accuracy);
    assertThat(xent.setMetricName("perplexity").evaluate(scored))
        .isCloseTo(Math.exp(logLoss), within(1e-8));
    // Weighted, as MLlib weighs: Σ w·loss / Σ w.
    double weighted = mllib.setMetricName("logLoss").setWeightCol("w").evaluate(scored);
    assertThat(xent.setMetricName("crossEntropy").setWeightCol("w").evaluate(scored))
        .isCloseTo(weighted, within(1e-9 * weighted));
    double top3 = xent.setMetricName("topKAccuracy").setK(3).setWeightCol("").evaluate(scored);
    assertThat(top3).isEqualTo(1.0);
  }

  @Test
  void whereMllibClipsAt1e15TheLossStaysExact() {
    // Logits (0, 50), label 0: the true loss is 50 + log1p(e^-50); MLlib's probability of class 0
    // is e^-50 ≈ 1.9e-22, clipped to 1e-15, so its logLoss is -ln(1e-15) = 34.54.
    StructType schema =
        new StructType()
            .add("rawPrediction", new VectorUDT())
            .add("probability", new VectorUDT())
            .add("prediction", DataTypes.DoubleType)
            .add("label", DataTypes.DoubleType);
    double p0 = Math.exp(-50) / (1 + Math.exp(-50));
    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(RowFactory.create(Vectors.dense(0, 50), Vectors.dense(p0, 1 - p0), 1.0, 0.0)),
            schema);
    double mllib = new MulticlassClassificationEvaluator().setMetricName("logLoss").evaluate(rows);
    assertThat(mllib).isCloseTo(-Math.log(1e-15), within(1e-9));
    assertThat(new CrossEntropyEvaluator().evaluate(rows))
        .isCloseTo(50 + Math.log1p(Math.exp(-50)), within(1e-13));
  }

  @Test
  void aMissingColumnIsNamed() {
    Dataset<Row> data = blobs(3, 1);
    assertThatThrownBy(() -> new CrossEntropyEvaluator().evaluate(data))
        .hasMessageContaining("Cannot evaluate: column 'rawPrediction' does not exist");
  }
}
