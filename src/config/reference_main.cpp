// synorm_config_reference: writes the key tables of config/README.md from the schema
// (synorm/config/key_schema.hpp), between its "<!-- schema: ID -->" and "<!-- end schema -->"
// markers. With --check it changes nothing and fails when the file differs from what it would
// write: the CTest test config_reference_fresh.
#include <algorithm>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "synorm/config/key_schema.hpp"

int main(int argc, char** argv) {
    const std::string usage = "usage: synorm_config_reference README.md [--check]";
    if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "--check")) {
        std::cerr << usage << "\n";
        return 2;
    }
    const std::string path = argv[1];
    const bool check = argc == 3;
    std::ifstream in(path);
    if (!in) {
        std::cerr << path << ": cannot open\n";
        return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    const std::string readme = text.str();
    try {
        // Every section is shown exactly once: a learning rule's without a block of its own in the
        // "other rules" block.
        const bool other_rules = readme.find("<!-- schema: other rules -->") != std::string::npos;
        for (const synorm::config::section_info& section : synorm::config::schema()) {
            const std::string marker = "<!-- schema: " + std::string(section.id) + " -->";
            const auto first = readme.find(marker);
            if (first == std::string::npos && section.rule && other_rules) continue;
            if (first == std::string::npos || readme.find(marker, first + 1) != std::string::npos) {
                std::cerr << path << ": expected one \"" << marker << "\" block for " << section.path << "\n";
                return 1;
            }
        }
        const std::string updated = synorm::config::with_reference(readme);
        if (updated == readme) return 0;
        if (check) {
            std::cerr << path << ": the key reference differs from the schema (src/config/*key_tables.cpp); "
                      << "regenerate it with:\n  cmake --build build --target synorm_config_reference && "
                      << "build/src/config/synorm_config_reference config/README.md\n";
            return 1;
        }
        std::ofstream out(path);
        out << updated;
        if (!out) {
            std::cerr << path << ": cannot write\n";
            return 3;
        }
    } catch (const std::exception& e) {
        std::cerr << path << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
