/**
 * The xent job: steps from input to metrics (resolve input → validate schema → score rows →
 * aggregate → write outputs), with the picocli commands in {@link dev.xent.job.cli}.
 */
package dev.xent.job;
