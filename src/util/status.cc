#include "spirapi/status.h"

namespace spirapi {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kConflict: name = "Conflict"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kNotSupported: name = "NotSupported"; break;
    case Code::kCancelled: name = "Cancelled"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace spirapi
