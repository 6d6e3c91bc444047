package dev.xent.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Which Spark types xent reads as logits and labels, how they are named in error messages, and how
 * their values become primitive arrays. MLlib vectors are recognised by their storage struct, so
 * executors need no MLlib class.
 */
public final class InputTypes {
  private InputTypes() {}

  public static final String EXPECTED_LOGITS = "array<float|double> or vector";
  public static final String EXPECTED_SIGMOID_LOGITS =
      "array<float|double>, vector, float or double";
  public static final String EXPECTED_LABEL =
      "an integer type, float|double holding an integer, array<numeric> or vector";
  public static final String EXPECTED_CLASS_LABEL =
      "an integer type or float|double holding an integer";
  public static final String EXPECTED_TARGETS = "array<numeric>, vector, float or double";

  /** How a logits column is stored. */
  public enum LogitsKind {
    FLOAT_ARRAY,
    DOUBLE_ARRAY,
    VECTOR,
    SCALAR
  }

  /** How a label column is stored. */
  public enum LabelKind {
    INTEGRAL,
    FRACTIONAL,
    NUMERIC_ARRAY,
    VECTOR;

    public boolean isScalar() {
      return this == INTEGRAL || this == FRACTIONAL;
    }
  }

  /** The logits kind of {@code type}, or null when xent cannot read it as logits. */
  public static LogitsKind logitsKind(DataType type, boolean allowScalar) {
    if (type instanceof ArrayType array) {
      DataType element = array.elementType();
      if (element instanceof FloatType) {
        return LogitsKind.FLOAT_ARRAY;
      }
      return element instanceof DoubleType ? LogitsKind.DOUBLE_ARRAY : null;
    }
    if (isVector(type)) {
      return LogitsKind.VECTOR;
    }
    return allowScalar && (type instanceof FloatType || type instanceof DoubleType)
        ? LogitsKind.SCALAR
        : null;
  }

  /** The label kind of {@code type}, or null when xent cannot read it as a label. */
  public static LabelKind labelKind(DataType type) {
    if (isIntegral(type)) {
      return LabelKind.INTEGRAL;
    }
    if (type instanceof FloatType || type instanceof DoubleType || type instanceof DecimalType) {
      return LabelKind.FRACTIONAL;
    }
    if (type instanceof ArrayType array
        && (isIntegral(array.elementType())
            || array.elementType() instanceof FloatType
            || array.elementType() instanceof DoubleType)) {
      return LabelKind.NUMERIC_ARRAY;
    }
    return isVector(type) ? LabelKind.VECTOR : null;
  }

  /** {@code Cannot evaluate: column 'logits' is array<string>, expected ...}. */
  public static String mismatch(String action, String what, DataType actual, String expected) {
    return "Cannot " + action + ": " + what + " is " + typeName(actual) + ", expected " + expected;
  }

  /** How an argument is named in messages: {@code column 'logits'} or its SQL text. */
  public static String describe(Expression argument) {
    return argument instanceof Attribute attribute
        ? "column '" + attribute.name() + "'"
        : argument.sql();
  }

  /** The name users see: Spark's SQL type name, or {@code vector} for MLlib vectors. */
  public static String typeName(DataType type) {
    return isVector(type) ? "vector" : type.simpleString();
  }

  /** MLlib's {@code VectorUDT} (ml or mllib): struct<type,size,indices,values>. */
  public static boolean isVector(DataType type) {
    if (!(type instanceof UserDefinedType<?> udt) || !(udt.sqlType() instanceof StructType s)) {
      return false;
    }
    StructField[] fields = s.fields();
    return fields.length == 4
        && fields[0].name().equals("type")
        && fields[1].name().equals("size")
        && fields[2].name().equals("indices")
        && fields[3].name().equals("values");
  }

  private static boolean isIntegral(DataType type) {
    return type instanceof ByteType
        || type instanceof ShortType
        || type instanceof IntegerType
        || type instanceof LongType;
  }

  /**
   * A logits value as {@code float[]} or {@code double[]} (no per-element boxing), or null when an
   * element is null.
   */
  public static Object logits(Object value, LogitsKind kind, boolean elementsNullable) {
    return switch (kind) {
      case FLOAT_ARRAY -> {
        ArrayData array = (ArrayData) value;
        yield elementsNullable && hasNullElement(array) ? null : array.toFloatArray();
      }
      case DOUBLE_ARRAY -> {
        ArrayData array = (ArrayData) value;
        yield elementsNullable && hasNullElement(array) ? null : array.toDoubleArray();
      }
      case VECTOR -> vectorValues((InternalRow) value);
      case SCALAR -> new double[] {((Number) value).doubleValue()};
    };
  }

  /** A numeric value as a double (integers up to 2^53 exactly; larger labels are out of range). */
  public static double numericValue(Object value) {
    return value instanceof Decimal decimal ? decimal.toDouble() : ((Number) value).doubleValue();
  }

  /** An array or vector label as {@code double[]}, or null when an element is null. */
  public static double[] labelRow(Object value, LabelKind kind, DataType type) {
    if (kind == LabelKind.VECTOR) {
      return vectorValues((InternalRow) value);
    }
    if (kind.isScalar()) {
      return new double[] {numericValue(value)};
    }
    ArrayType arrayType = (ArrayType) type;
    ArrayData array = (ArrayData) value;
    if (arrayType.containsNull() && hasNullElement(array)) {
      return null;
    }
    DataType element = arrayType.elementType();
    if (element instanceof DoubleType) {
      return array.toDoubleArray();
    }
    double[] row = new double[array.numElements()];
    if (element instanceof FloatType) {
      float[] values = array.toFloatArray();
      for (int i = 0; i < row.length; i++) {
        row[i] = values[i];
      }
    } else {
      // Integral 0/1 targets or one-hot rows: widen through long, exact up to 2^53.
      for (int i = 0; i < row.length; i++) {
        row[i] = integralAt(array, i, element);
      }
    }
    return row;
  }

  private static long integralAt(ArrayData array, int i, DataType element) {
    if (element instanceof LongType) {
      return array.getLong(i);
    }
    if (element instanceof IntegerType) {
      return array.getInt(i);
    }
    return element instanceof ShortType ? array.getShort(i) : array.getByte(i);
  }

  /** A dense or sparse MLlib vector (type 1 dense, 0 sparse) as its dense values. */
  static double[] vectorValues(InternalRow vector) {
    if (vector.getByte(0) == 1) {
      return vector.getArray(3).toDoubleArray();
    }
    double[] dense = new double[vector.getInt(1)];
    int[] indices = vector.getArray(2).toIntArray();
    double[] values = vector.getArray(3).toDoubleArray();
    for (int i = 0; i < indices.length; i++) {
      dense[indices[i]] = values[i];
    }
    return dense;
  }

  private static boolean hasNullElement(ArrayData array) {
    for (int i = 0, n = array.numElements(); i < n; i++) {
      if (array.isNullAt(i)) {
        return true;
      }
    }
    return false;
  }
}
