// CLI11 keeps no structured details in its errors, only a message whose form
// depends on the error's class (CLI/Error.hpp), so the message is taken apart
// by class. A form not recognised is passed on, with a lower-case start.

#include "cli_parse_error.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace spirapi::cli {
namespace {

// "pi compute" while the error came from `spirapi pi compute ...`; "" when no
// command had been read. *deepest is that command's parser.
std::string CommandPath(const CLI::App& app, const CLI::App** deepest) {
  std::string path;
  *deepest = &app;
  for (;;) {
    const std::vector<CLI::App*> parsed = (*deepest)->get_subcommands();
    if (parsed.empty()) return path;
    *deepest = parsed.back();
    if (!path.empty()) path += ' ';
    path += (*deepest)->get_name();
  }
}

// The part of `text` after `marker`, or "" without it.
std::string_view After(std::string_view text, std::string_view marker) {
  const size_t at = text.find(marker);
  return at == std::string_view::npos ? std::string_view() : text.substr(at + marker.size());
}

// By class: get_name() does not always name it (an ExtrasError carries the
// command's name).
template <typename ErrorClass>
bool Is(const CLI::ParseError& error) {
  return dynamic_cast<const ErrorClass*>(&error) != nullptr;
}

// ExtrasError lists the arguments last first: "c b" -> "'b' 'c'".
std::string QuoteReversedWords(std::string_view words) {
  std::string out;
  while (!words.empty()) {
    const size_t space = words.rfind(' ');
    const std::string_view last =
        space == std::string_view::npos ? words : words.substr(space + 1);
    out += (out.empty() ? "'" : " '") + std::string(last) + "'";
    words = space == std::string_view::npos ? std::string_view() : words.substr(0, space);
  }
  return out;
}

std::string Reword(const CLI::App& command, const CLI::ParseError& error) {
  const std::string_view text = error.what();
  const bool required = Is<CLI::RequiredError>(error);
  if (required && text == "A subcommand is required") {
    std::string choices;
    for (const CLI::App* sub : command.get_subcommands({})) {
      choices += (choices.empty() ? "" : ", ") + sub->get_name();
    }
    return "missing a command (" + choices + ")";
  }
  if (required && text.ends_with(" is required")) {
    return "missing " + std::string(text.substr(0, text.size() - 12));
  }
  if (Is<CLI::ExtrasError>(error)) {
    const std::string_view words = After(text, "expected: ");
    return (words.find(' ') == std::string_view::npos ? "unexpected argument "
                                                       : "unexpected arguments ") +
           QuoteReversedWords(words);
  }
  if (Is<CLI::ConversionError>(error) && text.starts_with("Could not convert: ")) {
    const std::string_view rest = After(text, "Could not convert: ");
    const size_t equals = rest.find(" = ");
    if (equals != std::string_view::npos) {
      return std::string(rest.substr(0, equals)) + ": '" + std::string(rest.substr(equals + 3)) +
             "' is not a valid value";
    }
  }
  if (Is<CLI::ArgumentMismatch>(error) && text.ends_with(" missing")) {
    return std::string(text.substr(0, text.find(':'))) + " needs a value";
  }
  if (Is<CLI::ExcludesError>(error)) {
    const size_t at = text.find(" excludes ");
    return std::string(text.substr(0, at)) + " and " + std::string(text.substr(at + 10)) +
           " cannot be given together";
  }
  std::string message(text);
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(message[0]));
  return message;
}

}  // namespace

std::string DescribeParseError(const CLI::App& app, const CLI::ParseError& error) {
  const CLI::App* command = nullptr;
  const std::string path = CommandPath(app, &command);
  const std::string message = Reword(*command, error);
  if (path.empty()) return message + "; run 'spirapi --help'";
  return path + ": " + message + "; run 'spirapi " + path + " --help'";
}

CLI::Validator ExistingInputFile() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        struct stat st;
        if (stat(path.c_str(), &st) != 0) {
          return "'" + path + "' " +
                 (errno == ENOENT ? std::string("does not exist") : std::strerror(errno));
        }
        if (S_ISDIR(st.st_mode)) return "'" + path + "' is a directory, not a file";
        return std::string();
      },
      "FILE", "ExistingInputFile");
}

}  // namespace spirapi::cli
