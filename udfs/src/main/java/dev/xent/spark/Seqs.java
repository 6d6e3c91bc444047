package dev.xent.spark;

import java.util.Arrays;
import java.util.List;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** Java arrays and lists to the immutable Scala sequences Catalyst's APIs take. */
final class Seqs {
  private Seqs() {}

  @SafeVarargs
  static <T> Seq<T> of(T... items) {
    return fromList(Arrays.asList(items));
  }

  static <T> Seq<T> fromList(List<T> items) {
    return CollectionConverters.asScala(items).toList();
  }
}
