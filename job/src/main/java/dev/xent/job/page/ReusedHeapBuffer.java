package dev.xent.job.page;

import java.nio.ByteBuffer;
import org.apache.parquet.bytes.ByteBufferAllocator;

/**
 * One growing heap array that parquet "allocates" page bytes into: every allocation returns the
 * same array (grown when too small, never shrunk), so the bytes are valid until the next
 * allocation. Page-sized arrays allocated per page or per task made G1 start a concurrent cycle for
 * each, as they exceed half a heap region; these are kept per executor thread instead.
 */
final class ReusedHeapBuffer implements ByteBufferAllocator {
  private byte[] bytes = new byte[0];

  @Override
  public ByteBuffer allocate(int size) {
    if (bytes.length < size) {
      bytes = new byte[size];
    }
    return ByteBuffer.wrap(bytes, 0, size).slice();
  }

  /** Drops the array when it is larger than {@code maxBytes}, so the heap gets it back. */
  void trim(int maxBytes) {
    if (bytes.length > maxBytes) {
      bytes = new byte[0];
    }
  }

  @Override
  public void release(ByteBuffer buffer) {}

  @Override
  public boolean isDirect() {
    return false;
  }
}
