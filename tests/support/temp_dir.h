// A fresh temporary directory per test, removed afterwards.

#ifndef SPIRAPI_TESTS_SUPPORT_TEMP_DIR_H_
#define SPIRAPI_TESTS_SUPPORT_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace spirapi::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spirapi-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace spirapi::test

#endif  // SPIRAPI_TESTS_SUPPORT_TEMP_DIR_H_
