// The CACHE-WARM file: the block cache's hot set, recorded so that the next
// open can load it back (db/db_cache_warming.cc). Layout in docs/FORMAT.md.
// Only a hint: a file that does not decode is ignored.

#ifndef SPIRAPI_STORAGE_CACHE_WARM_FILE_H_
#define SPIRAPI_STORAGE_CACHE_WARM_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "storage/block_cache.h"

namespace spirapi {

inline constexpr char kCacheWarmName[] = "CACHE-WARM";

std::string EncodeCacheWarmFile(const std::vector<BlockCache::HotBlock>& blocks);
// False, with *blocks empty, if `data` is not a whole, intact warm file.
bool DecodeCacheWarmFile(std::string_view data, std::vector<BlockCache::HotBlock>* blocks);

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_CACHE_WARM_FILE_H_
