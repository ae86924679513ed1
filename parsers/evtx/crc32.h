// CRC32 (IEEE 802.3, reflected 0xEDB88320), as EVTX headers and chunks use it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace evtx {

// Continues a CRC over data; start with crc = 0.
uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace evtx
