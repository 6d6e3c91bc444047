package dev.xent.job.cli;

import dev.xent.job.XentUsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code --class-weights w0,w1,...} or {@code --class-weights @FILE} (one weight per line). */
final class ClassWeights {
  private ClassWeights() {}

  static double[] parse(String value) {
    List<String> items = new ArrayList<>();
    String where;
    if (value.startsWith("@")) {
      Path file = Path.of(value.substring(1));
      where = "line";
      try {
        items.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new XentUsageException(
            "Cannot read --class-weights file '" + file + "': " + e.getMessage());
      }
      // A trailing newline, or blank lines at the end, are not weights.
      while (!items.isEmpty() && items.get(items.size() - 1).isBlank()) {
        items.remove(items.size() - 1);
      }
    } else {
      where = "item";
      for (String item : value.split(",", -1)) {
        items.add(item);
      }
    }
    double[] weights = new double[items.size()];
    for (int i = 0; i < weights.length; i++) {
      String item = items.get(i).trim();
      try {
        weights[i] = Double.parseDouble(item);
      } catch (NumberFormatException e) {
        throw new XentUsageException(
            "Cannot evaluate: --class-weights "
                + where
                + " "
                + (i + 1)
                + " is '"
                + item
                + "', not a number");
      }
    }
    return weights;
  }
}
