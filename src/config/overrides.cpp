#include "overrides.hpp"

#include <charconv>

#include "synorm/config/loader.hpp"

namespace synorm::config::detail {
namespace {

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (true) {
        const auto dot = path.find('.', begin);
        parts.push_back(path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin));
        if (dot == std::string::npos) return parts;
        begin = dot + 1;
    }
}

// Writes `value` at `parts` below `root`; returns the normalised key path it wrote.
std::string set_at_path(YAML::Node& root, const std::vector<std::string>& parts, const YAML::Node& value,
                        const std::string& origin) {
    const auto fail = [&](const std::string& path, const std::string& message) {
        throw config_error(origin, 0, 0, path, message);
    };
    // reset() rebinds the handle; plain assignment would overwrite the node it refers to.
    YAML::Node current;
    current.reset(root);
    std::string path;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        const bool last = i + 1 == parts.size();
        if (current.IsSequence()) {
            std::size_t index = 0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
            if (ec != std::errc{} || end != part.data() + part.size()) {
                fail(path, "expected a list index (0, 1, …) after " + path + ", got \"" + part + "\"");
            }
            const std::string parent = path;
            path += "[" + part + "]";
            if (index >= current.size()) {
                fail(path, "list index " + part + " out of range: " + parent + " has " +
                               std::to_string(current.size()) + (current.size() == 1 ? " entry" : " entries"));
            }
            if (last) {
                current[index] = value;
            } else {
                YAML::Node next = current[index];
                current.reset(next);
            }
        } else if (current.IsMap() || current.IsNull()) {
            path = join_path(path, part);
            if (last) {
                current[part] = value;
            } else {
                if (!current[part].IsDefined() || current[part].IsNull()) {
                    current[part] = YAML::Node(YAML::NodeType::Map);
                }
                YAML::Node next = current[part];
                current.reset(next);
            }
        } else {
            fail(path, "cannot set " + join_path(path, part) + ": " + path + " is a value, not a map or a list");
        }
    }
    return path;
}

}  // namespace

std::vector<override_origin> apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides) {
    std::vector<override_origin> origins;
    for (const std::string& text : overrides) {
        const auto eq = text.find('=');
        const std::string key = trim(text.substr(0, eq));
        const std::string origin = "--set " + key;
        if (eq == std::string::npos) {
            throw config_error("--set " + text, 0, 0, "",
                               "malformed override; expected KEY.PATH=VALUE, e.g. simulation.seed=7");
        }
        const std::vector<std::string> parts = split_path(key);
        for (const std::string& part : parts) {
            if (part.empty()) {
                throw config_error(origin, 0, 0, "",
                                   "malformed override: empty key in \"" + key + "\"; expected KEY.PATH=VALUE");
            }
        }
        const std::string value_text = text.substr(eq + 1);
        if (trim(value_text).empty()) {
            throw config_error(origin, 0, 0, "", "malformed override: no value after '='");
        }
        YAML::Node value;
        try {
            value = YAML::Load(value_text);
        } catch (const YAML::Exception& e) {
            throw config_error(origin, 0, 0, "", "cannot parse the value \"" + value_text + "\": " + e.msg);
        }
        origins.push_back({set_at_path(root, parts, value, origin), origin});
    }
    return origins;
}

}  // namespace synorm::config::detail
