package dev.xent.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@code exact_sum} and {@code exact_avg} through a real SparkSession: the same raw bits for every
 * partitioning and order (where a plain floating-point sum differs), equal to a {@link BigDecimal}
 * sum rounded once; NULL, NaN and ±∞ as documented; GROUP BY.
 */
class ExactSumAggregateTest {
  private final SparkSession spark = TestSpark.session();

  private static final StructType SCHEMA =
      new StructType().add("g", DataTypes.IntegerType).add("x", DataTypes.DoubleType);

  private Row one(String sql) {
    List<Row> rows = spark.sql(sql).collectAsList();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static long bits(double v) {
    return Double.doubleToRawLongBits(v);
  }

  /**
   * Values of every magnitude from 1e-10 to 1e16, both signs, plus pairs that cancel: the rounding
   * of a plain sum depends on the order.
   */
  private static double[] awkwardValues() {
    SplittableRandom random = new SplittableRandom(20251203L);
    double[] values = new double[3000];
    for (int i = 0; i < values.length; i += 3) {
      double big = random.nextGaussian() * Math.pow(10, random.nextInt(8, 17));
      values[i] = big;
      values[i + 1] = -big * (1 + 1e-9 * random.nextGaussian());
      values[i + 2] = random.nextGaussian() * Math.pow(10, random.nextInt(-10, 3));
    }
    return values;
  }

  private static double plainSum(List<Double> values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum;
  }

  private static BigDecimal exact(List<Double> values) {
    BigDecimal sum = BigDecimal.ZERO;
    for (double v : values) {
      sum = sum.add(new BigDecimal(v));
    }
    return sum;
  }

  /** The exact mean rounded once: 60 digits, then to double (a tie within 1e-60 is not hit). */
  private static double exactMean(List<Double> values) {
    return exact(values)
        .divide(BigDecimal.valueOf(values.size()), new MathContext(60, RoundingMode.HALF_EVEN))
        .doubleValue();
  }

  private Dataset<Row> frame(List<Double> values, long shuffleSeed) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      rows.add(RowFactory.create(i % 5, values.get(i)));
    }
    Collections.shuffle(rows, new Random(shuffleSeed));
    return spark.createDataFrame(rows, SCHEMA);
  }

  @Test
  void theSumAndMeanHaveTheSameBitsForEveryPartitioningAndOrder() {
    List<Double> values = new ArrayList<>();
    for (double v : awkwardValues()) {
      values.add(v);
    }
    // The premise: a plain double sum of these values depends on the order.
    List<Double> shuffled = new ArrayList<>(values);
    Collections.shuffle(shuffled, new Random(1));
    List<Double> reversed = new ArrayList<>(values);
    Collections.reverse(reversed);
    assertThat(List.of(bits(plainSum(values)), bits(plainSum(shuffled)), bits(plainSum(reversed))))
        .as("plain sums in three orders")
        .doesNotHaveDuplicates();

    double wantSum = exact(values).doubleValue();
    double wantMean = exactMean(values);
    int[] partitionings = {1, 7, 64};
    for (int i = 0; i < partitionings.length; i++) {
      Row row =
          frame(values, 100 + i)
              .repartition(partitionings[i])
              .agg(functions.expr("exact_sum(x)"), functions.expr("exact_avg(x)"))
              .collectAsList()
              .get(0);
      assertThat(bits(row.getDouble(0)))
          .as("exact_sum with %d partitions: %s, want %s", partitionings[i], row.get(0), wantSum)
          .isEqualTo(bits(wantSum));
      assertThat(bits(row.getDouble(1)))
          .as("exact_avg with %d partitions: %s, want %s", partitionings[i], row.get(1), wantMean)
          .isEqualTo(bits(wantMean));
    }
  }

  @Test
  void groupsAreExactForEveryPartitioning() {
    double[] all = awkwardValues();
    List<Double> values = new ArrayList<>();
    List<List<Double>> groups = new ArrayList<>();
    for (int g = 0; g < 5; g++) {
      groups.add(new ArrayList<>());
    }
    for (int i = 0; i < all.length; i++) {
      values.add(all[i]);
      groups.get(i % 5).add(all[i]);
    }
    for (int partitions : new int[] {1, 7, 64}) {
      List<Row> rows =
          frame(values, partitions)
              .repartition(partitions)
              .groupBy("g")
              .agg(functions.expr("exact_sum(x)"), functions.expr("exact_avg(x)"))
              .orderBy("g")
              .collectAsList();
      assertThat(rows).hasSize(5);
      for (int g = 0; g < 5; g++) {
        assertThat(rows.get(g).getInt(0)).isEqualTo(g);
        assertThat(bits(rows.get(g).getDouble(1)))
            .as("group %d sum, %d partitions", g, partitions)
            .isEqualTo(bits(exact(groups.get(g)).doubleValue()));
        assertThat(bits(rows.get(g).getDouble(2)))
            .as("group %d mean, %d partitions", g, partitions)
            .isEqualTo(bits(exactMean(groups.get(g))));
      }
    }
  }

  @Test
  void tenTenthsSumToExactlyOne() {
    // Σ ten times the double 0.1 = 1.0000000000000000555 exactly, which rounds to 1.0; the plain
    // left-to-right sum is 0.9999999999999999.
    double plain = 0;
    for (int i = 0; i < 10; i++) {
      plain += 0.1;
    }
    assertThat(plain).isEqualTo(0.9999999999999999);
    Row row = one("SELECT exact_sum(x), exact_avg(x) FROM (SELECT 0.1D AS x FROM range(10))");
    assertThat(bits(row.getDouble(0))).isEqualTo(bits(1.0));
    assertThat(bits(row.getDouble(1))).isEqualTo(bits(0.1));
  }

  @Test
  void nullsAreSkippedAndNoValueGivesNull() {
    Row row =
        one(
            "SELECT exact_sum(x), exact_avg(x), exact_sum(CASE WHEN x > 9 THEN x END),"
                + " exact_avg(CASE WHEN x > 9 THEN x END) FROM VALUES (1D), (2D), (NULL) AS t(x)");
    assertThat(row.getDouble(0)).isEqualTo(3.0);
    // Two non-null values: 3 / 2.
    assertThat(row.getDouble(1)).isEqualTo(1.5);
    assertThat(row.isNullAt(2)).isTrue();
    assertThat(row.isNullAt(3)).isTrue();
    assertThat(one("SELECT exact_sum(id), exact_avg(id) FROM range(0)").isNullAt(0)).isTrue();
  }

  @Test
  void nonFiniteValuesFollowExactSum() {
    Row row =
        one(
            "SELECT exact_sum(CASE WHEN k = 0 THEN double('NaN') ELSE x END),"
                + " exact_sum(CASE WHEN k = 0 THEN double('Infinity') ELSE x END),"
                + " exact_sum(CASE WHEN k = 0 THEN double('-Infinity') ELSE x END),"
                + " exact_sum(CASE WHEN k = 0 THEN double('Infinity') WHEN k = 1"
                + " THEN double('-Infinity') ELSE x END),"
                + " exact_avg(CASE WHEN k = 0 THEN double('Infinity') ELSE x END)"
                + " FROM VALUES (0, 1D), (1, 2D), (2, 3D) AS t(k, x)");
    assertThat(row.getDouble(0)).isNaN();
    assertThat(row.getDouble(1)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(row.getDouble(2)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(row.getDouble(3)).isNaN();
    assertThat(row.getDouble(4)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void extremeMagnitudesAreExact() {
    Row row =
        one(
            "SELECT exact_sum(a), exact_avg(a), exact_sum(b), exact_avg(b), exact_sum(c),"
                + " exact_sum(d) FROM VALUES"
                + " (1.7976931348623157E308D, 4.9E-324D, -0.0D, 1E300D),"
                + " (1.7976931348623157E308D, 4.9E-324D, -0.0D, -1E300D),"
                + " (-1.7976931348623157E308D, 4.9E-324D, -0.0D, 1E-300D) AS t(a, b, c, d)");
    double max = Double.MAX_VALUE;
    // MAX + MAX − MAX: the intermediate 2·MAX does not overflow, the result is MAX; its mean MAX/3.
    assertThat(row.getDouble(0)).isEqualTo(max);
    assertThat(row.getDouble(1)).isEqualTo(max / 3);
    // Three smallest subnormals: exactly 3·MIN_VALUE; their mean MIN_VALUE.
    assertThat(bits(row.getDouble(2))).isEqualTo(bits(3 * Double.MIN_VALUE));
    assertThat(bits(row.getDouble(3))).isEqualTo(bits(Double.MIN_VALUE));
    // An exact zero is +0.0, even from −0.0 inputs.
    assertThat(bits(row.getDouble(4))).isEqualTo(bits(0.0));
    // 1e300 − 1e300 cancels exactly and keeps the 1e-300.
    assertThat(row.getDouble(5)).isEqualTo(1e-300);
    assertThat(one("SELECT exact_sum(x) FROM VALUES (1.7976931348623157E308D), (1E292D) AS t(x)"))
        .as("a finite exact sum beyond the range rounds to +∞")
        .isEqualTo(RowFactory.create(Double.POSITIVE_INFINITY));
  }

  @Test
  void anyNumericColumnIsSummedAsDoubles() {
    Row row =
        one(
            "SELECT exact_sum(CAST(id AS int)), exact_avg(CAST(id AS tinyint)),"
                + " exact_sum(CAST(0.1 AS decimal(10, 2))), exact_sum(CAST(id AS float))"
                + " FROM range(100)");
    assertThat(row.getDouble(0)).isEqualTo(4950.0);
    assertThat(row.getDouble(1)).isEqualTo(49.5);
    // Each decimal 0.10 becomes the double 0.1; a hundred of them sum exactly to
    // 10.000000000000000555,
    // which rounds to 10.
    assertThat(row.getDouble(2)).isEqualTo(10.0);
    assertThat(row.getDouble(3)).isEqualTo(4950.0);
  }

  @Test
  void aNonNumericColumnIsRejectedAtAnalysis() {
    assertThatThrownBy(() -> spark.sql("SELECT exact_avg(x) FROM VALUES ('a') AS t(x)").collect())
        .hasMessageContaining(
            "Cannot evaluate exact_avg: column 'x' is string, expected a numeric type");
  }
}
