package dev.xent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The build's second run of the kernel tests (surefire execution {@code kernels-on-avx2}, which
 * turns this condition on through extension autodetection) exists to test the 256-bit loops on
 * machines whose default is 512 bits. On a machine without AVX-512 the default run already used the
 * 256-bit loops, so the second one would repeat it test for test: there it is skipped. Where {@code
 * /proc/cpuinfo} cannot be read, it runs.
 */
public final class Avx2RerunCondition implements ExecutionCondition {
  private static final Pattern AVX512 = Pattern.compile("\\bavx512f\\b");

  /** Read once: the condition is asked for every class and every test of the run. */
  private static final ConditionEvaluationResult VERDICT = verdict();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return VERDICT;
  }

  private static ConditionEvaluationResult verdict() {
    if (System.getProperty("xent.expect.vector.bits") == null) {
      return ConditionEvaluationResult.enabled("not the 256-bit rerun");
    }
    String cpu;
    try {
      cpu = Files.readString(Path.of("/proc/cpuinfo"));
    } catch (IOException | RuntimeException e) {
      return ConditionEvaluationResult.enabled("/proc/cpuinfo unreadable: " + e.getMessage());
    }
    return AVX512.matcher(cpu).find()
        ? ConditionEvaluationResult.enabled("AVX-512 machine: the rerun tests the 256-bit loops")
        : ConditionEvaluationResult.disabled(
            "no AVX-512 here: the default run already tested the 256-bit loops");
  }
}
