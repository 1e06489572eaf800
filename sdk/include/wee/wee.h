/* wee/wee.h - everything a module needs: include this one header. */
#ifndef WEE_WEE_H
#define WEE_WEE_H
#include "abi.h"
#include "errors.h"
#include "event.h"
#include "options.h"
#include "fields.h"
#include "host.h"
#include "module.h"
#include "bind.h"
#endif
