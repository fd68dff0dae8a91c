#pragma once

#define HTUNE_VERSION_MAJOR 0
#define HTUNE_VERSION_MINOR 1
#define HTUNE_VERSION_PATCH 0

namespace htune {
inline constexpr int version_major = HTUNE_VERSION_MAJOR;
inline constexpr int version_minor = HTUNE_VERSION_MINOR;
inline constexpr int version_patch = HTUNE_VERSION_PATCH;
inline constexpr char const* version_string = "0.1.0";
} // namespace htune
