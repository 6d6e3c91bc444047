package dev.xent.job.page;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Where a file keeps the logits and the label, and what the logits' definition levels mean. For a
 * list leaf with one repeated level, let {@code d} be a value's definition level, {@code max} the
 * leaf's maximum and {@code slot} the level of the repeated node: {@code d == max} is a value,
 * {@code slot ≤ d < max} a null element, {@code d == slot − 1} an empty list and anything lower a
 * null list. That covers the three-level LIST, the legacy two-level forms and a bare repeated field
 * alike, as Spark reads them.
 */
final class ColumnLayout {
  final ColumnDescriptor logits;
  final ColumnDescriptor label;

  /** The per-row weight column, or null when the run has none. */
  final ColumnDescriptor weight;

  final boolean doubleLogits;
  final int slotLevel;

  /** Sigmoid logits stored as one FLOAT or DOUBLE per row, not a list. */
  final boolean scalarLogits;

  /** The slot level of a list label column (target rows), or -1 when the label is one value. */
  final int labelSlotLevel;

  private ColumnLayout(
      ColumnDescriptor logits,
      ColumnDescriptor label,
      ColumnDescriptor weight,
      boolean doubleLogits,
      int slotLevel,
      boolean scalarLogits,
      int labelSlotLevel) {
    this.logits = logits;
    this.label = label;
    this.weight = weight;
    this.doubleLogits = doubleLogits;
    this.slotLevel = slotLevel;
    this.scalarLogits = scalarLogits;
    this.labelSlotLevel = labelSlotLevel;
  }

  /** The columns a task reads: logits, label and, when given, the weight. */
  java.util.List<ColumnDescriptor> columns() {
    return weight == null
        ? java.util.List.of(logits, label)
        : java.util.List.of(logits, label, weight);
  }

  /** The weight's physical type, or null, for comparing files. */
  PrimitiveTypeName weightType() {
    return weight == null ? null : weight.getPrimitiveType().getPrimitiveTypeName();
  }

  int maxDefinition() {
    return logits.getMaxDefinitionLevel();
  }

  /** The label's physical type, for comparing files. */
  PrimitiveTypeName labelType() {
    return label.getPrimitiveType().getPrimitiveTypeName();
  }

  /**
   * The layout, or an {@link Unsupported} naming what the page reader cannot read; {@code
   * weightName} is null when the run has no weight column.
   */
  static ColumnLayout analyze(
      MessageType schema, String logitsName, String labelName, String weightName, String file)
      throws Unsupported {
    return analyze(schema, logitsName, labelName, weightName, RowShape.SPARSE, file);
  }

  /**
   * As above for a request of {@code shape}: {@code labelName} is then the target column, a list
   * when {@link RowShape#targetRows()}; sigmoid logits may be one value per row.
   */
  static ColumnLayout analyze(
      MessageType schema,
      String logitsName,
      String labelName,
      String weightName,
      RowShape shape,
      String file)
      throws Unsupported {
    String labelRole = shape.targetRows() ? "labels" : "label";
    checkNotVector(schema, logitsName, "logits", file);
    checkNotVector(schema, labelName, labelRole, file);
    ColumnDescriptor logits = null;
    ColumnDescriptor label = null;
    ColumnDescriptor weight = null;
    for (ColumnDescriptor column : schema.getColumns()) {
      String top = column.getPath()[0];
      if (top.equals(weightName)) {
        if (weight != null || column.getPath().length != 1) {
          throw new Unsupported("weight column '" + weightName + "' is nested in " + file);
        }
        weight = column;
        if (!top.equals(labelName) && !top.equals(logitsName)) {
          continue;
        }
      }
      if (top.equals(logitsName)) {
        if (logits != null) {
          throw new Unsupported("logits column '" + logitsName + "' has several leaves in " + file);
        }
        logits = column;
      } else if (top.equals(labelName)) {
        if (shape.targetRows() && label != null) {
          throw new Unsupported("labels column '" + labelName + "' has several leaves in " + file);
        }
        if (label != null || (!shape.targetRows() && column.getPath().length != 1)) {
          throw new Unsupported("label column '" + labelName + "' is nested in " + file);
        }
        label = column;
      }
    }
    if (logits == null) {
      throw new Unsupported("column '" + logitsName + "' is not in " + file);
    }
    if (label == null) {
      throw new Unsupported("column '" + labelName + "' is not in " + file);
    }
    PrimitiveType element = logits.getPrimitiveType();
    PrimitiveTypeName elementType = element.getPrimitiveTypeName();
    if ((elementType != PrimitiveTypeName.FLOAT && elementType != PrimitiveTypeName.DOUBLE)
        || element.getLogicalTypeAnnotation() != null) {
      throw new Unsupported("logits element type is " + element + " in " + file);
    }
    // Spark reads a flat float/double column as sigmoid logits of one class.
    boolean scalarLogits =
        shape.sigmoid() && logits.getMaxRepetitionLevel() == 0 && logits.getPath().length == 1;
    if (logits.getMaxRepetitionLevel() != 1 && !scalarLogits) {
      throw new Unsupported(
          "logits column '" + logitsName + "' is not a list of numbers in " + file);
    }
    if (weightName != null && weight == null) {
      throw new Unsupported("column '" + weightName + "' is not in " + file);
    }
    if (weight != null && (weight == label || weight == logits)) {
      throw new Unsupported("the weight column is also the label or logits column");
    }
    int slotLevel =
        scalarLogits ? 0 : slotLevel(schema, logits.getPath(), "logits", logitsName, file);
    int labelSlotLevel = -1;
    if (shape.targetRows()) {
      if (label.getMaxRepetitionLevel() != 1) {
        throw new Unsupported(
            "labels column '" + labelName + "' is not a list of numbers in " + file);
      }
      labelSlotLevel = slotLevel(schema, label.getPath(), "labels", labelName, file);
      if (!numeric(label.getPrimitiveType())) {
        throw new Unsupported("labels element type is " + label.getPrimitiveType() + " in " + file);
      }
    } else {
      checkLabel(label.getPrimitiveType(), "label", labelName, file);
    }
    if (weight != null) {
      checkLabel(weight.getPrimitiveType(), "weight", weightName, file);
    }
    return new ColumnLayout(
        logits,
        label,
        weight,
        elementType == PrimitiveTypeName.DOUBLE,
        slotLevel,
        scalarLogits,
        labelSlotLevel);
  }

  /**
   * MLlib's vector type is stored as a struct of type, size, indices and values, which Spark's
   * reader turns back into a vector: the page reader leaves it to Spark's.
   */
  private static void checkNotVector(MessageType schema, String name, String role, String file)
      throws Unsupported {
    if (name == null || !schema.containsField(name)) {
      return;
    }
    Type type = schema.getType(name);
    if (!type.isPrimitive()) {
      var fields = type.asGroupType().getFields();
      if (fields.size() == 4
          && fields.get(0).getName().equals("type")
          && fields.get(1).getName().equals("size")
          && fields.get(2).getName().equals("indices")
          && fields.get(3).getName().equals("values")) {
        throw new Unsupported(
            role
                + " column '"
                + name
                + "' is an MLlib vector in "
                + file
                + " (vectors are read by Spark's reader)");
      }
    }
  }

  /** The definition level of the repeated node: the first level at which an element exists. */
  private static int slotLevel(
      MessageType schema, String[] path, String role, String name, String file) throws Unsupported {
    int level = 0;
    int repeatedAt = -1;
    for (int depth = 1; depth <= path.length; depth++) {
      Type node = schema.getType(java.util.Arrays.copyOf(path, depth));
      if (node.getRepetition() != Type.Repetition.REQUIRED) {
        level++;
      }
      if (node.isRepetition(Type.Repetition.REPEATED)) {
        repeatedAt = depth - 1;
        break;
      }
    }
    // A bare repeated field, or a group holding the repeated node directly (LIST, both forms).
    if (repeatedAt > 1 || path.length - repeatedAt > 2) {
      throw new Unsupported(
          role + " column '" + name + "' is nested deeper than a list in " + file);
    }
    return level;
  }

  /** A flat signed-integer or floating-point column, one value per row (the label or weight). */
  private static void checkLabel(PrimitiveType type, String role, String name, String file)
      throws Unsupported {
    if (!numeric(type) || type.isRepetition(Type.Repetition.REPEATED)) {
      throw new Unsupported(role + " column '" + name + "' is " + type + " in " + file);
    }
  }

  /**
   * A signed integer or a float/double: the types Spark reads as byte, short, int, long, float or
   * double, whose values the page reader widens to double exactly as Spark's row scorer does.
   */
  private static boolean numeric(PrimitiveType type) {
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    return switch (type.getPrimitiveTypeName()) {
      case INT32, INT64 ->
          annotation == null
              || (annotation instanceof IntLogicalTypeAnnotation integer && integer.isSigned());
      case FLOAT, DOUBLE -> annotation == null;
      default -> false;
    };
  }

  /** Why the page reader cannot read an input; becomes metrics.json's {@code reader_reason}. */
  static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String reason) {
      super(reason, null, false, false);
    }
  }
}
