// expect: the executor needs `std::size_t concurrency\(\) const`
// An executor must say how many trials it runs at once (the study's default lag follows it).
#include <htune/exec.hpp>
#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

struct my_executor {
#ifndef HTUNE_COMPILE_FAIL
    std::size_t concurrency() const { return 1; }
#endif
    template <class Source>
    void run(Source& source) {
        while (auto unit = source.next()) unit->run();
    }
};

int main() {
    htune::tune::study<htune::search_space<htune::uniform<"x", 0.0, 1.0>>> s;
    s.optimize([](auto& t) { return t.template get<"x">(); }, 3, {}, my_executor{});
}
