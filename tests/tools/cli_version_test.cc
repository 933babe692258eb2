// spirapi --version: the library's version and the on-disk format it writes,
// both from the public spirapi/version.h.

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "spirapi/version.h"

namespace spirapi {
namespace {

TEST(CliVersionTest, PrintsVersionAndFormatVersion) {
  FILE* pipe = popen(SPIRAPI_CLI_PATH " --version", "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[256];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::string version = std::to_string(SPIRAPI_VERSION_MAJOR) + "." +
                              std::to_string(SPIRAPI_VERSION_MINOR) + "." +
                              std::to_string(SPIRAPI_VERSION_PATCH);
  EXPECT_EQ(out, "spirapi " + version + " (on-disk format " +
                     std::to_string(SPIRAPI_FORMAT_VERSION) + ")\n");
}

}  // namespace
}  // namespace spirapi
