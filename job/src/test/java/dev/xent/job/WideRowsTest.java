package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.spark;
import static dev.xent.job.JobTestSupport.writeParquet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.xent.job.JobTestSupport.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WideRowsTest {
  @TempDir Path tmp;

  @Test
  void batchesOfWideRowsStayWithin32MiB() {
    // 131,072 floats are 512 KiB a row: 64 rows make 32 MiB.
    assertThat(WideRows.batchSize(131_072, 4, 4096)).isEqualTo(64);
    // 250,000 doubles are 2 MB a row: 16 rows.
    assertThat(WideRows.batchSize(250_000, 8, 4096)).isEqualTo(16);
    // Narrow rows keep Spark's batch size, and a user's smaller setting is never raised.
    assertThat(WideRows.batchSize(100, 4, 4096)).isEqualTo(4096);
    assertThat(WideRows.batchSize(100, 4, 512)).isEqualTo(512);
    // A row wider than the budget still reads one row at a time.
    assertThat(WideRows.batchSize(1e8, 8, 4096)).isEqualTo(1);
  }

  @Test
  void theRowWidthComesFromTheParquetFooter() {
    Path input = tmp.resolve("wide");
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType))
            .add("label", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < 12; r++) {
      rows.add(RowFactory.create(new float[20_000], r));
    }
    writeParquet(rows, schema, input);
    double width =
        WideRows.meanRowWidth(
                spark().sparkContext().hadoopConfiguration(), input.toString(), "logits")
            .orElseThrow();
    assertThat(width).isCloseTo(20_000, within(1e-9));
    assertThat(
            WideRows.meanRowWidth(
                spark().sparkContext().hadoopConfiguration(), input.toString(), "nope"))
        .isEmpty();

    // Evaluating it lowers the batch size for the job and restores the session's setting after.
    spark().conf().set(WideRows.BATCH_SIZE_KEY, "4000");
    try {
      Run run = evaluate(input, "--label", "label");
      assertThat(run.exitCode()).as(run.err()).isZero();
      // 20,000 equal logits: every loss is ln 20,000.
      assertThat(run.out()).containsPattern("(?m)^mean_loss +9\\.9034875525361");
      assertThat(spark().conf().get(WideRows.BATCH_SIZE_KEY)).isEqualTo("4000");
    } finally {
      spark().conf().unset(WideRows.BATCH_SIZE_KEY);
    }
  }
}
