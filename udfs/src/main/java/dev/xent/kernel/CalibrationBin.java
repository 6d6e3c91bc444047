package dev.xent.kernel;

/**
 * One equal-width calibration bin of an {@link AuditStats}: the values p in {@code (lower, upper]}
 * (the first bin also holds 0).
 *
 * @param bin the index b, 0 … B−1
 * @param lower b/B
 * @param upper (b+1)/B
 * @param count rows (softmax) or elements (sigmoid) in the bin, zero weights included
 * @param weight Σω over them, the exact sum rounded once
 * @param meanConfidence Σω·p / Σω, rounded once; NaN when the weight is 0
 * @param accuracy Σω·outcome / Σω (outcome: 1 for a correct row, else 0; or the sigmoid target),
 *     rounded once; NaN when the weight is 0
 */
public record CalibrationBin(
    int bin,
    double lower,
    double upper,
    long count,
    double weight,
    double meanConfidence,
    double accuracy) {}
