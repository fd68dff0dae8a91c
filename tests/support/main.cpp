#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <htune/core/blas.hpp>
#include <htune/version.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    std::cout << "htune " << htune::version_string << ", xtensor " << XTENSOR_VERSION_MAJOR << '.'
              << XTENSOR_VERSION_MINOR << '.' << XTENSOR_VERSION_PATCH << ", C++ " << __cplusplus << ", BLAS threads "
              << htune::blas_threads::get() << '\n';
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
