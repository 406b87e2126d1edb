#!/usr/bin/env Rscript
# Load a `synack sweep` output directory in R: runs.csv, cdf.csv and the traces.
#
# Usage:  Rscript examples/analysis/load.R SWEEP_DIR
#
# Base R only (read.csv, gzfile, readLines); jsonlite parses the traces when installed. With the
# tidyverse, readr::read_csv() and dplyr give the same tables (see the comment at the end).
# Empty CSV cells mean "this run has no such value" and load as NA.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: load.R SWEEP_DIR")
dir <- args[[1]]

runs <- read.csv(file.path(dir, "runs.csv"), stringsAsFactors = FALSE)
cdf <- read.csv(file.path(dir, "cdf.csv"), stringsAsFactors = FALSE)

# Teardown study and goodput study, one row per grid point.
per_point <- do.call(rbind, lapply(split(runs, runs$point), function(r) {
  data.frame(
    point = r$point[1], profile = r$profile[1], loss = r$loss[1], runs = nrow(r),
    clean_rate = mean(r$clean == 1),
    teardown_median_ms = median(r$teardown_ms, na.rm = TRUE),
    time_wait_median_ms = median(r$time_wait_ms, na.rm = TRUE),
    goodput_mean_Bps = mean(r$goodput_Bps, na.rm = TRUE),
    transfer_median_ms = median(r$transfer_ms, na.rm = TRUE)
  )
}))
print(per_point, row.names = FALSE)

# cdf.csv is a step function per (point, metric): plot with type = "s".
teardown <- subset(cdf, metric == "teardown_ms")
cat(sprintf("cdf.csv: %d rows, metrics %s\n", nrow(cdf), paste(sort(unique(cdf$metric)), collapse = ", ")))
if (nrow(teardown) > 0 && interactive()) {
  plot(NULL, xlim = range(teardown$value), ylim = c(0, 1), log = "x",
       xlab = "teardown time (ms)", ylab = "fraction of runs <= x")
  for (p in unique(teardown$point)) with(subset(teardown, point == p), lines(value, cdf, type = "s", col = p + 1))
}

# Traces (sweep --traces): traces/point-P-seed-S.jsonl.gz, one JSON event a line.
trace_files <- list.files(file.path(dir, "traces"), pattern = "\\.jsonl\\.gz$", full.names = TRUE)
cat(sprintf("traces: %d files\n", length(trace_files)))
if (length(trace_files) > 0) {
  lines <- readLines(gzfile(trace_files[[1]]))
  if (requireNamespace("jsonlite", quietly = TRUE)) {
    events <- jsonlite::stream_in(textConnection(lines), verbose = FALSE)
    print(table(events$kind))
  } else {
    cat(sprintf("  %s: %d events (install jsonlite to parse them)\n", basename(trace_files[[1]]), length(lines)))
  }
}

# With the tidyverse:
#   library(readr); library(dplyr)
#   runs <- read_csv(file.path(dir, "runs.csv"))
#   runs |> group_by(point, profile, loss) |>
#     summarise(clean = mean(clean == 1), teardown = median(teardown_ms, na.rm = TRUE),
#               goodput = mean(goodput_Bps, na.rm = TRUE))
