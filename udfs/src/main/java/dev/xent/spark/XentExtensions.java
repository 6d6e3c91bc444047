package dev.xent.spark;

import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * The {@code spark.sql.extensions} entry point: {@code --conf
 * spark.sql.extensions=dev.xent.spark.XentExtensions} makes every function of {@link XentFunctions}
 * available in SQL, PySpark and the DataFrame API.
 */
public final class XentExtensions implements SparkSessionExtensionsProvider {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    XentFunctions.inject(extensions);
    return BoxedUnit.UNIT;
  }
}
