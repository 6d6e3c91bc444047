package dev.xent.job.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/**
 * Row starts found in one-bit repetition levels, against parquet's own encoder and a plain scan.
 */
class HybridDecoderTest {
  @Test
  void zeroPositionsAreTheRowStartsOfRandomLevels() throws IOException {
    Random random = new Random(20261203);
    for (int trial = 0; trial < 200; trial++) {
      int count = 1 + random.nextInt(5000);
      // Long runs of ones (wide rows) and of zeros (one-value rows) exercise both run kinds.
      int rowLength = 1 + random.nextInt(trial % 2 == 0 ? 3 : 400);
      int[] levels = new int[count];
      for (int i = 0; i < count; i++) {
        levels[i] = random.nextInt(rowLength) == 0 ? 0 : 1;
      }
      byte[] encoded = encode(levels);
      int[] expected = IntStream.range(0, count).filter(i -> levels[i] == 0).toArray();
      int[] out = new int[expected.length];
      int found = HybridDecoder.zeroPositions(encoded, 0, encoded.length, count, out);
      assertThat(found).isEqualTo(expected.length);
      assertThat(out).containsExactly(expected);
    }
  }

  @Test
  void moreStartsThanRoomIsAnErrorNotAnOverrun() throws IOException {
    int[] levels = {0, 1, 1, 0, 1, 0, 0, 1};
    byte[] encoded = encode(levels);
    assertThatThrownBy(() -> HybridDecoder.zeroPositions(encoded, 0, encoded.length, 8, new int[3]))
        .isInstanceOf(IOException.class)
        .hasMessage("the repetition levels start more than 3 rows on one page");
    int[] runOfZeros = new int[64];
    byte[] run = encode(runOfZeros);
    assertThatThrownBy(() -> HybridDecoder.zeroPositions(run, 0, run.length, 64, new int[10]))
        .isInstanceOf(IOException.class)
        .hasMessage("the repetition levels start more than 10 rows on one page");
  }

  private static byte[] encode(int[] levels) throws IOException {
    try (RunLengthBitPackingHybridEncoder encoder =
        new RunLengthBitPackingHybridEncoder(1, 64, 1 << 20, new HeapByteBufferAllocator())) {
      for (int level : levels) {
        encoder.writeInt(level);
      }
      return encoder.toBytes().toByteArray();
    }
  }
}
