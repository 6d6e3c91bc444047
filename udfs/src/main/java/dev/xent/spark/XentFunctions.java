package dev.xent.spark;

import dev.xent.spark.LogitsFunctions.ArgmaxFunction;
import dev.xent.spark.LogitsFunctions.LogSoftmaxFunction;
import dev.xent.spark.LogitsFunctions.LogSumExpFunction;
import dev.xent.spark.LogitsFunctions.SoftmaxConfidenceFunction;
import dev.xent.spark.LogitsFunctions.SoftmaxFunction;
import dev.xent.spark.ScoringFunctions.LabelRankFunction;
import dev.xent.spark.ScoringFunctions.ScoreFunction;
import dev.xent.spark.ScoringFunctions.SigmoidCrossEntropyFunction;
import dev.xent.spark.ScoringFunctions.SoftmaxCrossEntropyFunction;
import dev.xent.spark.ScoringFunctions.StatusFunction;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Function1;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The one list of xent's SQL functions: name, arguments, description and builder. {@link
 * #register(SparkSession)} adds them to a running session; {@link XentExtensions} injects them
 * through {@code spark.sql.extensions}.
 */
public final class XentFunctions {
  private XentFunctions() {}

  public static final String LOGSUMEXP = "logsumexp";
  public static final String SOFTMAX = "softmax";
  public static final String LOG_SOFTMAX = "log_softmax";
  public static final String LOGITS_ARGMAX = "logits_argmax";
  public static final String SOFTMAX_CROSS_ENTROPY = "softmax_cross_entropy";
  public static final String SIGMOID_CROSS_ENTROPY = "sigmoid_cross_entropy";
  public static final String XENT_STATUS = "xent_status";
  public static final String XENT_SCORE = "xent_score";
  public static final String LOGSUMEXP_AGG = "logsumexp_agg";
  public static final String SOFTMAX_CONFIDENCE = "softmax_confidence";
  public static final String LABEL_RANK = "label_rank";
  public static final String EXACT_SUM = "exact_sum";
  public static final String EXACT_AVG = "exact_avg";

  /** One SQL function: how it is called and how its expression is built. */
  public record Definition(
      String name,
      String arguments,
      String description,
      Class<? extends Expression> implementation,
      int minArgs,
      int maxArgs,
      Function<Expression[], Expression> builder) {

    Expression build(Seq<Expression> children) {
      List<Expression> args = CollectionConverters.asJava(children);
      if (args.size() < minArgs || args.size() > maxArgs) {
        throw new IllegalArgumentException(
            "Cannot call "
                + name
                + ": expected "
                + name
                + arguments
                + ", got "
                + args.size()
                + " argument"
                + (args.size() == 1 ? "" : "s"));
      }
      return builder.apply(args.toArray(new Expression[0]));
    }

    ExpressionInfo info() {
      return new ExpressionInfo(
          implementation.getName(),
          null,
          name,
          "_FUNC_" + arguments + " - " + description,
          "",
          "",
          "",
          "misc_funcs",
          "0.1.0",
          "",
          "built-in");
    }
  }

  public static final List<Definition> ALL =
      List.of(
          new Definition(
              LOGSUMEXP,
              "(logits)",
              "log Σ exp(logits), with the max shift; NULL for an invalid row.",
              LogSumExpFunction.class,
              1,
              1,
              a -> new LogSumExpFunction(a[0])),
          new Definition(
              SOFTMAX,
              "(logits)",
              "Probabilities as array<double>; NULL for an invalid row.",
              SoftmaxFunction.class,
              1,
              1,
              a -> new SoftmaxFunction(a[0])),
          new Definition(
              LOG_SOFTMAX,
              "(logits)",
              "Log-probabilities as array<double>; NULL for an invalid row.",
              LogSoftmaxFunction.class,
              1,
              1,
              a -> new LogSoftmaxFunction(a[0])),
          new Definition(
              LOGITS_ARGMAX,
              "(logits)",
              "Index of the first maximum (ties go to the lowest index); NULL for an invalid row.",
              ArgmaxFunction.class,
              1,
              1,
              a -> new ArgmaxFunction(a[0])),
          new Definition(
              SOFTMAX_CONFIDENCE,
              "(logits)",
              "Probability of the predicted class (the first maximum); NULL for an invalid row.",
              SoftmaxConfidenceFunction.class,
              1,
              1,
              a -> new SoftmaxConfidenceFunction(a[0])),
          new Definition(
              SOFTMAX_CROSS_ENTROPY,
              "(logits, label [, smoothing])",
              "Softmax cross-entropy: integer label → sparse, array/vector label → dense;"
                  + " the constant smoothing E in [0, 1) makes the target (1 − E)·label + E/C;"
                  + " NULL for an invalid row.",
              SoftmaxCrossEntropyFunction.class,
              2,
              3,
              a ->
                  a.length == 2
                      ? new SoftmaxCrossEntropyFunction(a[0], a[1])
                      : new SoftmaxCrossEntropyFunction(a[0], a[1], a[2])),
          new Definition(
              LABEL_RANK,
              "(logits, label)",
              "How many classes rank before the integer label (ties → lower index), 0 when it is"
                  + " the prediction; NULL for an invalid row.",
              LabelRankFunction.class,
              2,
              2,
              a -> new LabelRankFunction(a[0], a[1])),
          new Definition(
              SIGMOID_CROSS_ENTROPY,
              "(logits, targets)",
              "Sigmoid cross-entropy summed over the elements; NULL for an invalid row.",
              SigmoidCrossEntropyFunction.class,
              2,
              2,
              a -> new SigmoidCrossEntropyFunction(a[0], a[1])),
          new Definition(
              XENT_STATUS,
              "(logits, label_or_targets [, 'softmax'|'sigmoid'])",
              "'ok' or the reason code why the row cannot be scored.",
              StatusFunction.class,
              2,
              3,
              a ->
                  a.length == 2
                      ? new StatusFunction(a[0], a[1])
                      : new StatusFunction(a[0], a[1], a[2])),
          new Definition(
              XENT_SCORE,
              "(logits, label_or_targets [, 'softmax'|'sigmoid'])",
              "struct<loss, predicted, correct, status> in one pass.",
              ScoreFunction.class,
              2,
              3,
              a ->
                  a.length == 2
                      ? new ScoreFunction(a[0], a[1])
                      : new ScoreFunction(a[0], a[1], a[2])),
          new Definition(
              LOGSUMEXP_AGG,
              "(x)",
              "Aggregate log Σ exp(x) from partition-local (max, scaled sum) states.",
              LogSumExpAggregate.class,
              1,
              1,
              a -> new LogSumExpAggregate(a[0])),
          new Definition(
              EXACT_SUM,
              "(x)",
              "Aggregate sum of a numeric column as double, exact and rounded once: the same bits"
                  + " for every partitioning and order.",
              ExactSumAggregate.class,
              1,
              1,
              a -> new ExactSumAggregate(a[0], false)),
          new Definition(
              EXACT_AVG,
              "(x)",
              "Aggregate mean of a numeric column as double: the exact sum / count rounded once.",
              ExactSumAggregate.class,
              1,
              1,
              a -> new ExactSumAggregate(a[0], true)));

  /**
   * Registers every function in this session (like {@code CREATE TEMPORARY FUNCTION}); functions
   * the session already has from {@link XentExtensions} are left as they are.
   */
  public static void register(SparkSession spark) {
    var registry =
        ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry();
    for (Definition definition : ALL) {
      FunctionIdentifier id = FunctionIdentifier.apply(definition.name());
      var existing = registry.lookupFunction(id);
      if (existing.isEmpty()
          || !existing.get().getClassName().equals(definition.implementation().getName())) {
        registry.registerFunction(id, definition.info(), builder(definition));
      }
    }
  }

  /** Adds every function to sessions built with these extensions. */
  public static void inject(SparkSessionExtensions extensions) {
    for (Definition definition : ALL) {
      extensions.injectFunction(
          new Tuple3<>(
              FunctionIdentifier.apply(definition.name()), definition.info(), builder(definition)));
    }
  }

  private static Function1<Seq<Expression>, Expression> builder(Definition definition) {
    return definition::build;
  }
}
