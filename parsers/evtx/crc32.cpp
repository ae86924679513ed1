#include "crc32.h"

#include <zlib.h>

namespace evtx {

// zlib's CRC-32 is the same polynomial; its braided implementation runs at
// twice the speed of a slicing-by-8 table here (4.3 against 2.0 GB/s), and
// checking every chunk's CRCs is a quarter of a scan's time otherwise.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc) {
  uLong c = crc;
  while (size > 0) {
    uInt n = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
    c = ::crc32(c, data, n);
    data += n;
    size -= n;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace evtx
