#pragma once
// The one place that includes xtensor (xtensor-blas and its BLAS come in through core/blas.hpp
// and samplers/detail/gp_linalg.hpp).
//
// Include paths: xtensor 0.24-0.25 ship flat headers (<xtensor/xarray.hpp>); 0.26+ moved them
// into folders (<xtensor/containers/xarray.hpp>) without forwarding headers. vcpkg and Conan ship
// 0.27, Debian 12 ships 0.24.3, so both layouts are chosen here through __has_include.
//
// xtensor under C++20 (upstream issues 1970, 2690, 2701): xexpression_traits.hpp maps a shape type
// to the container that holds a temporary. Its svector case (dynamic shapes, as used by xarray and
// by reducers over dynamic axes) is guarded by `#if __cplusplus == 201703L`, so under C++20 (and
// with clang's relaxed template-template matching) xt::svector<size_t, 4> falls into the
// `S<X, N>` case and is taken for a fixed rank-4 std::array shape. Results are silently wrong:
// immediate reducers throw bad_array_new_length, and xt::pad / xt::tile return zeros at -O2.
// The specialisations below restore the C++17 meaning for every standard and compiler; being
// full specialisations, they win over the library's partial ones, also where upstream is fixed.
// tests/core/test_tensor_cxx20_fix.cpp pins the behaviour.

#if __has_include(<xtensor/containers/xarray.hpp>)
#define HTUNE_XTENSOR_FOLDERS 1
#include <xtensor/containers/xadapt.hpp>
#include <xtensor/containers/xarray.hpp>
#include <xtensor/containers/xtensor.hpp>
#include <xtensor/core/xexpression_traits.hpp>
#include <xtensor/core/xmath.hpp>
#include <xtensor/generators/xbuilder.hpp>
#include <xtensor/io/xio.hpp>
#include <xtensor/misc/xpad.hpp>
#include <xtensor/reducers/xreducer.hpp>
#include <xtensor/views/xview.hpp>
#else
#define HTUNE_XTENSOR_FOLDERS 0
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xexpression_traits.hpp>
#include <xtensor/xio.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xpad.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#endif

#include <array>
#include <cstddef>
#include <memory>
#include <ostream>

// Full specialisations, because g++ finds a partial one for svector<X, N, A, Init> ambiguous with
// the library's `S<X, N>` case. They cover the dynamic shape types xtensor itself uses
// (xt::dynamic_shape<std::size_t> and <std::ptrdiff_t>, i.e. svector<..., 4>).
#define HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX(index_type, init)                                                              \
    template <>                                                                                                        \
    struct xtype_for_shape<xt::svector<index_type, 4, std::allocator<index_type>, init>> {                             \
        template <class T, layout_type L>                                                                              \
        using type = xarray<T, L>;                                                                                     \
    };
namespace xt::detail {
HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX(std::size_t, true)
HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX(std::size_t, false)
HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX(std::ptrdiff_t, true)
HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX(std::ptrdiff_t, false)
} // namespace xt::detail
#undef HTUNE_XTENSOR_DYNAMIC_SHAPE_FIX

// The same matching makes rebind_container (which turns a shape type into a strides type) ambiguous
// under clang 19 for every xarray: xtensor's svector case and, on compilers other than g++, its
// generic `C<T, N>` case both fit. Full specialisations settle it with the svector meaning.
#define HTUNE_XTENSOR_REBIND_FIX(to, from, init)                                                                       \
    template <>                                                                                                        \
    struct rebind_container<to, xt::svector<from, 4, std::allocator<from>, init>> {                                    \
        using type = xt::svector<to, 4, std::allocator<to>, init>;                                                     \
    };
namespace xt {
HTUNE_XTENSOR_REBIND_FIX(std::ptrdiff_t, std::size_t, true)
HTUNE_XTENSOR_REBIND_FIX(std::ptrdiff_t, std::size_t, false)
HTUNE_XTENSOR_REBIND_FIX(std::size_t, std::size_t, true)
HTUNE_XTENSOR_REBIND_FIX(std::size_t, std::size_t, false)
HTUNE_XTENSOR_REBIND_FIX(std::size_t, std::ptrdiff_t, true)
HTUNE_XTENSOR_REBIND_FIX(std::size_t, std::ptrdiff_t, false)
HTUNE_XTENSOR_REBIND_FIX(std::ptrdiff_t, std::ptrdiff_t, true)
HTUNE_XTENSOR_REBIND_FIX(std::ptrdiff_t, std::ptrdiff_t, false)
} // namespace xt
#undef HTUNE_XTENSOR_REBIND_FIX

namespace htune {

// Owning tensors of fixed rank (preferred: their shapes live on the stack). No `vector` or
// `matrix` here: under `using namespace htune` they would collide with std::vector and with other
// libraries' matrix types.
template <class T, std::size_t Rank>
using tensor = xt::xtensor<T, Rank>;

using tensorf1 = tensor<float, 1>;
using tensorf2 = tensor<float, 2>;
using tensord1 = tensor<double, 1>;
using tensord2 = tensor<double, 2>;

// A non-owning, row-major view of the first `rows` rows of a batch buffer. Layers keep buffers
// sized for the largest batch and hand views of the active rows to each other, so a short last
// batch never reallocates. tensor() gives an xtensor expression over the same memory.
template <class T>
struct batch_view {
    T* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;

    constexpr std::size_t size() const noexcept { return rows * cols; }
    constexpr T* row(std::size_t r) const noexcept { return data + r * cols; }
    constexpr T* begin() const noexcept { return data; }
    constexpr T* end() const noexcept { return data + rows * cols; }
    constexpr T& operator()(std::size_t r, std::size_t c) const noexcept { return data[r * cols + c]; }

    auto tensor() const { return xt::adapt(data, rows * cols, xt::no_ownership(), std::array{rows, cols}); }

    // A view of the same memory as const.
    constexpr operator batch_view<T const>() const noexcept
        requires(!std::is_const_v<T>)
    {
        return {data, rows, cols};
    }
};

// The first `rows` rows of a rank-2 buffer.
template <class T>
batch_view<T> rows_of(tensor<T, 2>& m, std::size_t rows) noexcept {
    return {m.data(), rows, m.shape()[1]};
}
template <class T>
batch_view<T const> rows_of(tensor<T, 2> const& m, std::size_t rows) noexcept {
    return {m.data(), rows, m.shape()[1]};
}
template <class T>
batch_view<T> all_rows(tensor<T, 2>& m) noexcept {
    return rows_of(m, m.shape()[0]);
}
template <class T>
batch_view<T const> all_rows(tensor<T, 2> const& m) noexcept {
    return rows_of(m, m.shape()[0]);
}

} // namespace htune
