package dev.xent.job;

import dev.xent.spark.InputTypes;
import dev.xent.spark.InputTypes.LabelKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Checks the input's schema against the request before any row is scanned: the columns exist and
 * have types xent can read. Every failure names the column, its type and what was expected.
 */
final class InputSchema {
  private InputSchema() {}

  /** The columns carried through to per-row output: everything but the logits and label(s). */
  static List<String> validate(StructType schema, EvaluateConfig config) {
    boolean sigmoid = config.loss() == EvaluateConfig.Loss.SIGMOID;
    DataType logits = typeOf(schema, config.logitsColumn(), "--logits");
    if (InputTypes.logitsKind(logits, sigmoid) == null) {
      throw new XentUsageException(
          InputTypes.mismatch(
              "evaluate",
              "column '" + config.logitsColumn() + "'",
              logits,
              sigmoid ? InputTypes.EXPECTED_SIGMOID_LOGITS : InputTypes.EXPECTED_LOGITS));
    }
    String target = config.targetColumn();
    DataType targetType =
        typeOf(schema, target, config.labelColumn() != null ? "--label" : "--labels");
    LabelKind kind = InputTypes.labelKind(targetType);
    if (config.labelColumn() != null) {
      if (kind == null || !kind.isScalar()) {
        throw new XentUsageException(
            InputTypes.mismatch(
                "evaluate",
                "column '" + target + "'",
                targetType,
                sigmoid
                    ? "float|double targets (use --labels for target rows)"
                    : "an integer type or float|double holding an integer"
                        + " (use --labels for probability rows)"));
      }
    } else if (kind == null || kind.isScalar()) {
      throw new XentUsageException(
          InputTypes.mismatch(
              "evaluate",
              "column '" + target + "'",
              targetType,
              "array<numeric> or vector (use --label for integer class labels)"));
    }
    if (config.weightColumn() != null) {
      DataType weight = typeOf(schema, config.weightColumn(), "--weight");
      if (!(weight instanceof NumericType)) {
        throw new XentUsageException(
            InputTypes.mismatch(
                "evaluate", "column '" + config.weightColumn() + "'", weight, "a numeric type"));
      }
    }
    for (String column : config.groupBy()) {
      DataType type = typeOf(schema, column, "--group-by");
      if (!(type instanceof AtomicType)) {
        throw new XentUsageException(
            InputTypes.mismatch(
                "evaluate",
                "--group-by column '" + column + "'",
                type,
                "a number, string, boolean, date or timestamp"));
      }
    }
    List<String> passThrough = new ArrayList<>();
    for (String name : schema.fieldNames()) {
      if (!name.equals(config.logitsColumn()) && !name.equals(target)) {
        passThrough.add(name);
      }
    }
    return passThrough;
  }

  /** Whether integer logits from JSON inference should be widened to array<double>. */
  static boolean needsIntegralLogitsCast(StructType schema, EvaluateConfig config) {
    if (config.format() != EvaluateConfig.Format.JSON) {
      return false;
    }
    DataType logits = typeOf(schema, config.logitsColumn(), "--logits");
    return logits instanceof ArrayType array
        && InputTypes.labelKind(array.elementType()) == LabelKind.INTEGRAL;
  }

  private static DataType typeOf(StructType schema, String column, String flag) {
    for (StructField field : schema.fields()) {
      if (field.name().equals(column)) {
        return field.dataType();
      }
    }
    throw new XentUsageException(
        "Cannot evaluate: column '"
            + column
            + "' given by "
            + flag
            + " does not exist; the input has "
            + Arrays.toString(schema.fieldNames()));
  }
}
