// app: find files under a directory whose names match a regex; report count and total bytes.
//   ./app [DIR] [REGEX]      ./app --selftest
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>
#include <unistd.h>

namespace fs = std::filesystem;

struct Match { fs::path path; std::uintmax_t size; };

static std::vector<Match> scan(const fs::path &dir, const std::regex &re)
{
    std::vector<Match> out;
    for (const auto &e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied)) {
        if (e.is_regular_file() && std::regex_search(e.path().filename().string(), re))
            out.push_back({e.path(), e.file_size()});
    }
    return out;
}

static int selftest()
{
    fs::path tmp = fs::temp_directory_path() / ("app-selftest-" + std::to_string(::getpid()));
    fs::create_directories(tmp / "sub");
    std::ofstream(tmp / "a.log") << "12345";
    std::ofstream(tmp / "sub" / "b.log") << "678";
    std::ofstream(tmp / "c.txt") << "nope";
    auto found = scan(tmp, std::regex(R"(\.log$)"));
    std::uintmax_t total = 0;
    for (auto &m : found) total += m.size;
    fs::remove_all(tmp);
    if (found.size() == 2 && total == 8) {
        std::cout << "selftest ok" << std::endl;
        return 0;
    }
    std::cerr << "selftest failed: " << found.size() << " files, " << total << " bytes" << std::endl;
    return 1;
}

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "--selftest") return selftest();
    fs::path dir = args.size() > 0 ? args[0] : ".";
    std::regex re(args.size() > 1 ? args[1] : ".*");
    std::uintmax_t total = 0;
    auto found = scan(dir, re);
    for (auto &m : found) {
        std::cout << m.size << "\t" << m.path.string() << "\n";
        total += m.size;
    }
    std::cout << found.size() << " files, " << total << " bytes" << std::endl;
    return 0;
}
