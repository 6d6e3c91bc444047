package dev.xent.kernel;

import static dev.xent.kernel.Rounding.roundTrip;
import static dev.xent.kernel.Rounding.serialize;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * {@link ClassTally} at 262,144 classes, the size the driver must hold twice (running total plus
 * one deserialised task result) within a 1 GiB heap. A tally of one {@link ExactSum} per class and
 * sum would need 4 × ~560 bytes per class weighted, ~2.3 KB, i.e. ~590 MB per tally: the bounds
 * below fail for it by an order of magnitude.
 *
 * <p>Memory is measured by the documented layout ({@link ClassTally#retainedBytes}: array lengths ×
 * element size + headers, and the promoted sums), the serialised size by actually serialising.
 * Rows: every class labelled {@value #ROWS_PER_CLASS} times, predicted right half the time, losses
 * log-uniform in [1e-6, 30], weights log-uniform in [1e-3, 1e3].
 */
class ClassTallyScaleTest {
  private static final int CLASSES = 262_144;
  private static final int ROWS_PER_CLASS = 4;

  /** The brief's ceiling; the design below is well under it. */
  private static final double BYTES_PER_CLASS_CEILING = 200;

  private static double loss(SplittableRandom random) {
    return 1e-6 * Math.pow(30 / 1e-6, random.nextDouble());
  }

  private static double weight(SplittableRandom random) {
    return 1e-3 * Math.pow(1e6, random.nextDouble());
  }

  private static int prediction(SplittableRandom random, int label) {
    return random.nextBoolean() ? label : random.nextInt(CLASSES);
  }

  private static ClassTally fullTally(boolean weighted, long seed, TallyReference reference) {
    SplittableRandom random = new SplittableRandom(seed);
    ClassTally tally = new ClassTally(weighted, CLASSES);
    for (int r = 0; r < ROWS_PER_CLASS; r++) {
      for (int c = 0; c < CLASSES; c++) {
        int k = prediction(random, c);
        double l = loss(random);
        double w = weighted ? weight(random) : 1.0;
        tally.add(c, k, l, w);
        if (reference != null && (sampled(c) || sampled(k))) {
          reference.add(c, k, l, w);
        }
      }
    }
    return tally;
  }

  /** About 65 classes spread over the range, the first and the last among them. */
  private static boolean sampled(int c) {
    return c % 4099 == 0 || c == CLASSES - 1;
  }

  @Test
  void aTallyOf262144ClassesHoldsAndSerialisesInWellUnder200BytesPerClass() {
    for (boolean weighted : new boolean[] {false, true}) {
      ClassTally tally = fullTally(weighted, weighted ? 0x5CA1E_0001L : 0x5CA1E_0002L, null);
      assertThat(tally.classes()).isEqualTo(CLASSES);
      byte[] bytes = serialize(tally);
      double retainedPerClass = (double) tally.retainedBytes() / CLASSES;
      double serialisedPerClass = (double) bytes.length / CLASSES;
      double heapPerClass = (double) GraphLayout.parseInstance(tally).totalSize() / CLASSES;
      System.out.printf(
          Locale.ROOT,
          "ClassTally, %s, %d classes × %d rows: %.1f bytes/class on the heap (JOL), %.1f by"
              + " layout, %.1f serialised, %d promoted sums%n",
          weighted ? "weighted" : "unweighted",
          CLASSES,
          ROWS_PER_CLASS,
          heapPerClass,
          retainedPerClass,
          serialisedPerClass,
          tally.promotedSums());
      // The layout: unweighted 3 counts + a 3-word loss window = 50 bytes; weighted 2 counts +
      // three 2-word weight windows + the loss window = 96 bytes (plus headers, promoted sums).
      assertThat(retainedPerClass).isLessThan(weighted ? 100 : 52);
      assertThat(heapPerClass).isLessThan(weighted ? 100 : 52);
      // The layout accounts for what the heap holds.
      assertThat(Math.abs(heapPerClass - retainedPerClass)).isLessThan(1.0);
      assertThat(serialisedPerClass).isLessThan(BYTES_PER_CLASS_CEILING / 2);
      // Windows hold these sums; promotion stays the rare case it is meant to be.
      assertThat(tally.promotedSums()).isLessThan(CLASSES / 1000);
      // The driver: the running total, one deserialised task result and its bytes.
      ClassTally deserialised = roundTrip(tally);
      long driverBytes = tally.retainedBytes() + deserialised.retainedBytes() + bytes.length;
      assertThat(driverBytes).isLessThan(1L << 28);
      assertThat((double) deserialised.retainedBytes() / CLASSES).isLessThan(retainedPerClass + 1);
    }
  }

  @Test
  void twoTalliesOf262144ClassesMergeToTheBigDecimalReference() {
    for (boolean weighted : new boolean[] {true, false}) {
      TallyReference reference = new TallyReference();
      ClassTally total = fullTally(weighted, weighted ? 0x5CA1E_0003L : 0x5CA1E_0004L, reference);
      ClassTally task = fullTally(weighted, weighted ? 0x5CA1E_0005L : 0x5CA1E_0006L, reference);
      // As on the driver: the task result arrives serialised and is merged into the total.
      total.merge(roundTrip(task));
      task = null;
      assertThat((double) total.retainedBytes() / CLASSES).isLessThan(BYTES_PER_CLASS_CEILING);
      ClassStats stats = total.result();
      assertThat(stats.classes()).isEqualTo(CLASSES);
      String what = weighted ? "weighted" : "unweighted";
      int checked = 0;
      for (int c = 0; c < CLASSES; c++) {
        if (sampled(c)) {
          reference.check(stats, c, what);
          assertThat(stats.support(c)).isEqualTo(2 * ROWS_PER_CLASS);
          checked++;
        }
      }
      assertThat(checked).isGreaterThan(60);
      // Every class was labelled the same number of times in each tally.
      long[] support = stats.support();
      int firstOther = -1;
      for (int c = 0; c < CLASSES && firstOther < 0; c++) {
        firstOther = support[c] == 2 * ROWS_PER_CLASS ? -1 : c;
      }
      assertThat(firstOther).as("first class with other support").isEqualTo(-1);
    }
  }
}
