#pragma once
// temp_dir: a fresh directory for one test case, removed with everything in it at the end.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <stdlib.h>

namespace htune::test {

struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(char const* prefix = "htune-test") {
        std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
    std::filesystem::path operator/(char const* name) const { return path / name; }
};

} // namespace htune::test
