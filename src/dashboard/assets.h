#ifndef SPIRAPI_DASHBOARD_ASSETS_H_
#define SPIRAPI_DASHBOARD_ASSETS_H_

namespace spirapi::dashboard {

extern const char kStyleSheet[];  // /static/app.css
extern const char kScript[];      // /static/app.js

}  // namespace spirapi::dashboard

#endif  // SPIRAPI_DASHBOARD_ASSETS_H_
