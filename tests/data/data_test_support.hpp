#pragma once
// Helpers for the data tests: temporary files that clean up after themselves, and the message of
// an expected exception.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace htune::test {

// A unique path in the temporary directory, removed (with anything written there) on scope exit.
class temp_file {
public:
    explicit temp_file(std::string_view stem) {
        static std::uint64_t counter = 0;
        auto const now = std::chrono::steady_clock::now().time_since_epoch().count();
        m_path = std::filesystem::temp_directory_path() /
                 ("htune_test_" + std::to_string(::getpid()) + "_" + std::to_string(now) + "_" +
                  std::to_string(counter++) + "_" + std::string(stem));
    }
    temp_file(temp_file const&) = delete;
    temp_file& operator=(temp_file const&) = delete;
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }

    std::filesystem::path const& path() const noexcept { return m_path; }
    std::string name() const { return m_path.string(); }

    temp_file& write(std::string_view bytes) {
        std::ofstream out(m_path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        REQUIRE(out.good());
        return *this;
    }

private:
    std::filesystem::path m_path;
};

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// Checks that f() throws E and returns its message ("" when it did not throw E).
template <class E, class F>
std::string thrown_message(F&& f) {
    CHECK_THROWS_AS(f(), E);
    try {
        f();
    } catch (E const& e) {
        return e.what();
    } catch (...) {}
    return {};
}

} // namespace htune::test
