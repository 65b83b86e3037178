// Reading a run's configuration: YAML file + `--set key.path=value` overrides → validated
// model::model_spec in internal units, plus the resolved configuration as YAML text for the output.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "synorm/model/model_spec.hpp"

namespace synorm::config {

// A user-input error. what() is the whole message: "file:line:col: key.path: what was expected".
class config_error : public std::runtime_error {
public:
    config_error(std::string file, int line, int column, std::string key_path, std::string message);
    // An error in a cell of a data table (tables.*): "file:row:column_name: key.path: message".
    config_error(std::string file, int line, std::string column_name, std::string key_path, std::string message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }                               // 1-based, 0 when unknown (e.g. a --set override)
    int column() const { return column_; }                           // 1-based, 0 when unknown
    const std::string& column_name() const { return column_name_; }  // a table's column, else empty
    const std::string& key_path() const { return key_path_; }
    const std::string& message() const { return message_; }

private:
    std::string file_, key_path_, message_, column_name_;
    int line_ = 0, column_ = 0;
};

struct loaded_config {
    model::model_spec spec;
    std::string resolved_yaml;  // the configuration after overrides, with every default filled in
    // Things that are valid but almost surely not meant (a projection that can create no synapse):
    // validate and run print each as "warning: <text>" on stderr.
    std::vector<std::string> warnings;
};

// Throws config_error for anything wrong with the file, the overrides or the model they describe.
loaded_config load(const std::string& path, const std::vector<std::string>& overrides = {});
// The same from YAML text; `origin` names it in messages.
loaded_config load_text(const std::string& text, const std::string& origin,
                        const std::vector<std::string>& overrides = {});

// The key paths ("projections.0.weight") under which two resolved configurations differ, for the
// message that refuses a checkpoint of another configuration. Throws on text that is not YAML.
std::vector<std::string> differing_keys(const std::string& yaml_a, const std::string& yaml_b);

}  // namespace synorm::config
