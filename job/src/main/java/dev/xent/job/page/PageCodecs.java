package dev.xent.job.page;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet's codecs for the page reader, with SNAPPY (what Spark writes by default) decompressed
 * from one heap copy of the compressed page straight into a reused heap array by snappy-java.
 * Parquet's own SNAPPY path feeds the page through a stream in small buffers into a direct buffer,
 * decompresses into a second direct buffer and copies the result back to the heap: a third of the
 * page reader's decoding time at 100 classes. Every other codec is parquet's, its page read out in
 * one request ({@link WholePage}); UNCOMPRESSED pages are parquet's own bytes.
 *
 * <p>A decompressed page lives in its column chunk's buffer until that chunk's next page: each
 * {@link #getDecompressor} call (parquet makes one per column chunk of a row group) takes the next
 * of {@link #SLOTS} per-thread buffers, so the chunks of one row group never share one, and the
 * page reader consumes each page before it reads the next of the same chunk. (There were two
 * buffers, alternating, for up to three chunks: logits, label and weight, and now labels lists.)
 */
final class PageCodecs implements CompressionCodecFactory {
  private final CompressionCodecFactory defaults;
  private int chunks;

  /** Page buffers per thread: at least the column chunks of a row group read at once. */
  private static final int SLOTS = 4;

  PageCodecs(CompressionCodecFactory defaults) {
    this.defaults = defaults;
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return defaults.getCompressor(codec);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    // A row group's chunks are asked for one after the other, and the page reader reads at most
    // three (logits, label or labels, weight): consecutive calls get distinct slots.
    int slot = chunks++ % SLOTS;
    if (codec == CompressionCodecName.UNCOMPRESSED) {
      // Parquet's no-op hands back the page's own bytes in the chunk buffer: nothing to copy.
      return defaults.getDecompressor(codec);
    }
    return codec == CompressionCodecName.SNAPPY
        ? new HeapSnappy(slot)
        : new WholePage(defaults.getDecompressor(codec), slot);
  }

  @Override
  public void release() {
    defaults.release();
  }

  /** Per thread: a page buffer per column chunk and one for the compressed bytes, grown. */
  private static final class Buffers {
    final byte[][] pages = {new byte[0], new byte[0], new byte[0], new byte[0]};
    final ReusedHeapBuffer compressed = new ReusedHeapBuffer();

    void trim(int maxBytes) {
      for (int slot = 0; slot < pages.length; slot++) {
        if (pages[slot].length > maxBytes) {
          pages[slot] = new byte[0];
        }
      }
      compressed.trim(maxBytes);
    }

    byte[] page(int slot, int size) {
      if (pages[slot].length < size) {
        pages[slot] = new byte[size];
      }
      return pages[slot];
    }
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /** Gives back this thread's buffers that grew past {@code maxBytes} (see PageRowReader). */
  static void trimThreadBuffers(int maxBytes) {
    BUFFERS.get().trim(maxBytes);
  }

  /**
   * Every other codec through parquet's decompressor, the page read out of it in one request. A
   * decompressed page is a stream, and read into a buffer it is read in 8 KiB requests (what {@code
   * Channels.newChannel} transfers); parquet's LZ4_RAW decompressor sizes its output by the first
   * request, so a fresh one failed on any page over 8 KiB ("attempt to write last literal outside
   * of destination buffer") and only a pooled one that had once decompressed a larger page
   * succeeded.
   */
  private static final class WholePage implements BytesInputDecompressor {
    private final BytesInputDecompressor parquets;
    private final int slot;

    WholePage(BytesInputDecompressor parquets, int slot) {
      this.parquets = parquets;
      this.slot = slot;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int size) throws IOException {
      byte[] out = BUFFERS.get().page(slot, size);
      try (DataInputStream in =
          new DataInputStream(parquets.decompress(bytes, size).toInputStream())) {
        in.readFully(out, 0, size);
      }
      return BytesInput.from(out, 0, size);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size)
        throws IOException {
      parquets.decompress(input, compressedSize, output, size);
    }

    @Override
    public void release() {
      // The factory that made it releases it (PageCodecs.release), once.
    }
  }

  private static final class HeapSnappy implements BytesInputDecompressor {
    private final int slot;

    HeapSnappy(int slot) {
      this.slot = slot;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int size) throws IOException {
      Buffers buffers = BUFFERS.get();
      // One copy when the page spans several read slices; none when it lies in one.
      ByteBuffer in = bytes.toByteBuffer(buffers.compressed, released -> {});
      if (!in.hasArray()) {
        throw new IOException("compressed page bytes are not on the heap");
      }
      byte[] out = buffers.page(slot, size);
      int length =
          Snappy.uncompress(in.array(), in.arrayOffset() + in.position(), in.remaining(), out, 0);
      if (length != size) {
        throw new IOException("a SNAPPY page decompressed to " + length + " bytes, not " + size);
      }
      return BytesInput.from(out, 0, size);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int size)
        throws IOException {
      // Direct buffers (parquet's off-heap mode); the page reader does not use it.
      Snappy.uncompress(input, output);
    }

    @Override
    public void release() {}
  }
}
