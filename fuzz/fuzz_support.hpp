#pragma once
// Shared by the fuzz harnesses: a per-process scratch directory (in /dev/shm when there is one, so
// that writing each input costs no disk I/O) and the rule for exceptions.
//
// An htune::error (data_error, journal_error, invalid_argument, ...) is the expected answer to a bad
// input. Anything else escaping a loader is a bug: a std::bad_alloc from a size taken on trust, an
// exception of a library htune uses (nlohmann-json, the standard library) that htune should have
// turned into its own; the harness aborts on it, so libFuzzer records a crash with the input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <typeinfo>

#include <stdlib.h>
#include <unistd.h>

#include <htune/core/errors.hpp>

namespace htune::fuzz {

// A fresh directory for this process, removed at exit.
class scratch_dir {
public:
    explicit scratch_dir(char const* prefix) {
        std::error_code ec;
        std::filesystem::path base = "/dev/shm";
        if (!std::filesystem::is_directory(base, ec) || ::access(base.c_str(), W_OK) != 0)
            base = std::filesystem::temp_directory_path();
        std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("htune fuzz: mkdtemp");
            std::abort();
        }
        m_path = pattern;
    }
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    scratch_dir(scratch_dir const&) = delete;
    scratch_dir& operator=(scratch_dir const&) = delete;

    std::filesystem::path operator/(char const* name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

// Replaces the file's content with the bytes.
inline void write_file(std::filesystem::path const& path, std::uint8_t const* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
        std::perror("htune fuzz: cannot write the input file");
        std::abort();
    }
}

// HTUNE_FUZZ_VERBOSE=1 in the environment prints each expected error (to see why a seed is refused,
// when running a harness on single files).
inline bool verbose() {
    static bool const on = [] {
        char const* v = std::getenv("HTUNE_FUZZ_VERBOSE");
        return v && *v && *v != '0';
    }();
    return on;
}

// Runs f(); an htune::error is fine, any other exception aborts with its type and message.
template <class F>
void expect_htune_errors_only(F&& f) {
    try {
        f();
        if (verbose()) std::fprintf(stderr, "htune fuzz: loaded\n");
    } catch (htune::error const& e) {
        // the expected answer to a malformed input
        if (verbose()) std::fprintf(stderr, "htune fuzz: %s: %s\n", typeid(e).name(), e.what());
    } catch (std::exception const& e) {
        std::fprintf(stderr, "htune fuzz: BUG: a non-htune exception escaped: %s: %s\n", typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "htune fuzz: BUG: an exception of unknown type escaped\n");
        std::abort();
    }
}

// A broken invariant of a result that loaded without an error.
[[noreturn]] inline void invariant_failed(char const* what) {
    std::fprintf(stderr, "htune fuzz: BUG: invariant broken: %s\n", what);
    std::abort();
}

} // namespace htune::fuzz
