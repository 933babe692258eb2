// Names of the option enums, as the MANIFEST, the command line and
// `spirapi stats` spell them.

#include "spirapi/options.h"

namespace spirapi {

const char* CompressionCodecName(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kNone: return "none";
    case CompressionCodec::kLzma: return "lzma";
    case CompressionCodec::kZstd: return "zstd";
  }
  return "unknown";
}

bool ParseCompressionCodec(std::string_view name, CompressionCodec* codec) {
  for (CompressionCodec c : {CompressionCodec::kNone, CompressionCodec::kLzma,
                             CompressionCodec::kZstd}) {
    if (name == CompressionCodecName(c)) {
      *codec = c;
      return true;
    }
  }
  return false;
}

const char* OptimizationGoalName(OptimizationGoal goal) {
  switch (goal) {
    case OptimizationGoal::kSpeed: return "speed";
    case OptimizationGoal::kSpace: return "space";
    case OptimizationGoal::kSecurity: return "security";
  }
  return "unknown";
}

bool ParseOptimizationGoal(std::string_view name, OptimizationGoal* goal) {
  for (OptimizationGoal g : {OptimizationGoal::kSpeed, OptimizationGoal::kSpace,
                             OptimizationGoal::kSecurity}) {
    if (name == OptimizationGoalName(g)) {
      *goal = g;
      return true;
    }
  }
  return false;
}

}  // namespace spirapi
