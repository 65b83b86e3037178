// config::load of populations, projections and inputs from CSV tables (`tables:`): good tables,
// the round trip of their resolved configuration, and each kind of bad table with its error whole
// (file:row:column, key path, what was expected). The tables are small synthetic files written here.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "loader_testing.hpp"
#include "synorm/config/loader.hpp"

namespace synorm::config {
namespace {

using namespace loader_test;
namespace fs = std::filesystem;

// A folder of its own per test, with the configuration and its tables.
class tables_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("synorm_tables_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "data");
        write("data/pops.csv", pops);
        write("data/syn.csv", syn);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& name, const std::string& text) const { std::ofstream(dir_ / name) << text; }
    std::string config_path() const { return (dir_ / "net.yaml").string(); }
    loaded_config load_config(const std::string& text, const std::vector<std::string>& overrides = {}) const {
        write("net.yaml", text);
        return load(config_path(), overrides);
    }
    // The error of a configuration, with this test's folder shown as "DIR".
    std::string error(const std::string& text, const std::vector<std::string>& overrides = {}) const {
        try {
            load_config(text, overrides);
        } catch (const config_error& e) {
            std::string message = e.what();
            const std::string folder = dir_.string();
            for (std::size_t at; (at = message.find(folder)) != std::string::npos;)
                message.replace(at, folder.size(), "DIR");
            return message;
        }
        return "no error";
    }
    // The error after replacing `from` by `to` in the file `name` (the configuration stays `config`).
    std::string error_with(const std::string& name, const std::string& from, const std::string& to) const {
        const std::string& original = name == "data/pops.csv" ? pops : syn;
        write(name, with(original, from, to));
        const std::string message = error(config);
        write(name, original);
        return message;
    }

    fs::path dir_;

    // Line numbers matter in the tests: the header is line 1.
    const std::string pops =
        "area,population,neurons,V0_mean_mV,V0_sd_mV,K_ext\n"
        "A,E,80,-58,5,100\n"
        "A,I,20,-58,5,100\n"
        "B,E,40,-60,4,50\n";
    const std::string syn =
        "to_area,to_pop,from_area,from_pop,synapses,w_mean_pA,w_sd_pA,w_bounds,d_mean_ms,d_sd_ms\n"
        "A,E,A,E,400,87.8,8.8,\"[0,inf)\",1.5,0.75\n"
        "A,E,A,I,200,-351.2,35.1,\"(-inf,0]\",0.75,0.375\n"
        "B,E,A,E,100,87.8,8.8,\"[0,inf)\",3.2,1.6\n";
    const std::string config = R"(simulation: {dt: "0.1 ms", duration: "50 ms"}
populations:
  X: {size: 10, neuron: {model: lif_curr_exp}}
projections:
  - {source: X, target: X, connect: {rule: fixed_indegree, indegree: 2}, weight: "10 pA", delay: "1 ms"}
tables:
  directory: data
  populations:
    file: pops.csv
    name: "{area}_{population}"
    derived:
      cell_type: {column: population, values: {E: excitatory, I: inhibitory}}
    template:
      size: "{neurons}"
      type: "{cell_type}"
      group: "{area}"
      neuron: {model: lif_curr_exp, tau_m: "10 ms"}
      V_init: {distribution: normal, mean: "{V0_mean_mV} mV", sd: "{V0_sd_mV} mV"}
  projections:
    file: syn.csv
    template:
      source: "{from_area}_{from_pop}"
      target: "{to_area}_{to_pop}"
      connect: {rule: fixed_total_number, number: "{synapses}"}
      weight: {distribution: normal, mean: "{w_mean_pA} pA", sd: "{w_sd_pA} pA", bounds: "{w_bounds} pA"}
      delay: {distribution: normal, mean: "{d_mean_ms} ms", sd: "{d_sd_ms} ms"}
  inputs:
    file: pops.csv
    template: {kind: poisson, target: "{area}_{population}", rate: "10 Hz", sources: "{K_ext}", weight: "87.8 pA"}
)";
};

TEST_F(tables_test, rows_become_entries_after_those_of_the_file) {
    const loaded_config loaded = load_config(config);
    const model::model_spec& spec = loaded.spec;
    ASSERT_EQ(spec.populations.size(), 4u);
    EXPECT_EQ(spec.populations[0].name, "X");
    EXPECT_EQ(spec.populations[1].name, "A_E");
    EXPECT_EQ(spec.populations[2].name, "A_I");
    EXPECT_EQ(spec.populations[3].name, "B_E");
    EXPECT_EQ(spec.populations[2].size, 20u);
    EXPECT_EQ(spec.populations[2].type, model::cell_type::inhibitory);
    EXPECT_EQ(spec.populations[3].group, "B");
    EXPECT_EQ(spec.populations[0].group, "");
    EXPECT_EQ(spec.populations[3].V_init.shape, model::distribution::kind::normal);
    EXPECT_EQ(spec.populations[3].V_init.mean, -60.0);
    EXPECT_EQ(spec.populations[3].V_init.sd, 4.0);

    ASSERT_EQ(spec.projections.size(), 4u);
    const model::projection_spec& ie = spec.projections[2];
    EXPECT_EQ(ie.name, "A_I_to_A_E");
    EXPECT_EQ(ie.source, 2u);
    EXPECT_EQ(ie.target, 1u);
    EXPECT_EQ(ie.rule, model::connection_rule::fixed_total_number);
    EXPECT_EQ(ie.total_number, 200u);
    EXPECT_EQ(ie.weight.mean, -351.2);
    EXPECT_EQ(ie.weight.sd, 35.1);
    EXPECT_EQ(ie.weight.max, 0.0);  // "(-inf,0]"
    EXPECT_EQ(ie.delay.mean, 0.75);
    EXPECT_EQ(spec.projections[1].weight.min, 0.0);  // "[0,inf)"

    ASSERT_EQ(spec.poisson_inputs.size(), 3u);
    EXPECT_EQ(spec.poisson_inputs[2].population, 3u);
    EXPECT_EQ(spec.poisson_inputs[2].sources, 50u);

    // The resolved configuration holds the entries themselves: it loads back without the tables.
    const loaded_config again = load_text(loaded.resolved_yaml, "resolved.yaml");
    expect_same_spec(spec, again.spec);
    EXPECT_EQ(loaded.resolved_yaml.find("tables"), std::string::npos);
}

TEST_F(tables_test, a_list_of_tables_and_the_directory_by_override) {
    fs::create_directories(dir_ / "other");
    write("other/more.csv", "name,n\nC,7\nD,9\n");
    const std::string text = R"(simulation: {dt: "0.1 ms", duration: "50 ms"}
tables:
  populations:
    - file: more.csv
      name: "{name}"
      template: {size: "{n}", neuron: {model: lif_curr_exp}}
    - file: ../data/pops.csv
      name: "{area}_{population}"
      template: {size: "{neurons}", neuron: {model: lif_curr_exp}}
)";
    const model::model_spec spec = load_config(text, {"tables.directory=other"}).spec;
    ASSERT_EQ(spec.populations.size(), 5u);
    EXPECT_EQ(spec.populations[0].name, "C");
    EXPECT_EQ(spec.populations[1].size, 9u);
    EXPECT_EQ(spec.populations[2].name, "A_E");
    EXPECT_EQ(spec.populations[4].size, 40u);
    EXPECT_EQ(error(text),
              "DIR/net.yaml:4:13: tables.populations[0].file: cannot open DIR/more.csv: No such file or "
              "directory");
    EXPECT_EQ(error("tables: {}\n"), "DIR/net.yaml:1:1: expected at least one population");
}

TEST_F(tables_test, where_and_unless_split_a_table_into_the_rows_that_match_and_the_rest) {
    // Within-area E→E projections plastic, every other row static: the same file twice.
    const std::string plastic = R"(  projections:
    - file: syn.csv
      where: {"{from_area}": "{to_area}", "{from_pop}{to_pop}": EE}
      template:
        source: "{from_area}_{from_pop}"
        target: "{to_area}_{to_pop}"
        connect: {rule: fixed_total_number, number: "{synapses}"}
        weight: "{w_mean_pA} pA"
        delay: "{d_mean_ms} ms"
        plasticity: {rule: stdp, A_plus: "1 pA", A_minus: "-1 pA", w_max: "200 pA"}
    - file: syn.csv
      unless: {"{from_area}": "{to_area}", "{from_pop}{to_pop}": EE}
      template:
        source: "{from_area}_{from_pop}"
        target: "{to_area}_{to_pop}"
        connect: {rule: fixed_total_number, number: "{synapses}"}
        weight: "{w_mean_pA} pA"
        delay: "{d_mean_ms} ms"
  inputs:
)";
    const std::size_t from = config.find("  projections:\n    file: syn.csv"), to = config.find("  inputs:\n");
    const std::string text = config.substr(0, from) + plastic + config.substr(to + 10);
    const loaded_config loaded = load_config(text);
    const model::model_spec& spec = loaded.spec;
    ASSERT_EQ(spec.projections.size(), 4u);
    EXPECT_EQ(spec.projections[1].name, "A_E_to_A_E");
    EXPECT_NE(spec.projections[1].plasticity.rule, model::stdp_rule::none);
    EXPECT_EQ(spec.projections[2].name, "A_I_to_A_E");
    EXPECT_EQ(spec.projections[3].name, "A_E_to_B_E");  // E→E between areas: static
    EXPECT_EQ(spec.projections[2].plasticity.rule, model::stdp_rule::none);
    EXPECT_EQ(spec.projections[3].plasticity.rule, model::stdp_rule::none);
    expect_same_spec(spec, load_text(loaded.resolved_yaml, "resolved.yaml").spec);
    // Bad: a condition naming no column, a condition that is not a map, an empty cell it reads.
    const std::string where = "where: {\"{from_area}\": \"{to_area}\", \"{from_pop}{to_pop}\": EE}";
    EXPECT_EQ(error(with(text, where, "where: {\"{from_cell}\": E}")),
              "DIR/net.yaml:21:15: tables.projections[0].where.{from_cell}: no column \"from_cell\" in "
              "DIR/data/syn.csv; columns: to_area, to_pop, from_area, from_pop, synapses, w_mean_pA, w_sd_pA, "
              "w_bounds, d_mean_ms, d_sd_ms");
    EXPECT_EQ(error(with(text, where, "where: [1]")),
              "DIR/net.yaml:21:14: tables.projections[0].where: expected a map from a \"{column}\" text to the text "
              "it must equal, got a list");
    write("data/syn.csv", with(syn, "A,E,A,I,200", "A,E,,I,200"));
    EXPECT_EQ(error(text),
              "DIR/data/syn.csv:3:from_area: tables.projections[0].where: empty cell; expected a value for this key");
}

// weight_factor: the rows of one table (here all but the within-area E→E ones) with their weights multiplied,
// the compensating current following the multiplied mean; a plastic table's rule scaled with its weights.
TEST_F(tables_test, weight_factor_multiplies_the_weights_of_its_tables_rows) {
    const std::string split = R"(  projections:
    - file: syn.csv
      where: {"{from_area}{from_pop}": "{to_area}E"}
      weight_factor: 1
      template:
        source: "{from_area}_{from_pop}"
        target: "{to_area}_{to_pop}"
        connect: {rule: fixed_total_number, number: "{synapses}"}
        weight: {distribution: normal, mean: "{w_mean_pA} pA", sd: "{w_sd_pA} pA", bounds: "{w_bounds} pA"}
        delay: "{d_mean_ms} ms"
        plasticity: {rule: stdp, A_plus: "1 pA", A_minus: "-1 pA", w_max: "200 pA"}
    - file: syn.csv
      unless: {"{from_area}{from_pop}": "{to_area}E"}
      weight_factor: 2.5
      template:
        source: "{from_area}_{from_pop}"
        target: "{to_area}_{to_pop}"
        connect: {rule: fixed_total_number, number: "{synapses}"}
        weight: {distribution: normal, mean: "{w_mean_pA} pA", sd: "{w_sd_pA} pA", bounds: "{w_bounds} pA"}
        delay: "{d_mean_ms} ms"
  inputs:
)";
    const std::size_t from = config.find("  projections:\n    file: syn.csv"), to = config.find("  inputs:\n");
    const std::string text = config.substr(0, from) + split + config.substr(to + 10);
    const loaded_config loaded = load_config(text);
    const model::model_spec& spec = loaded.spec;
    ASSERT_EQ(spec.projections.size(), 4u);
    const model::projection_spec &within = spec.projections[1], &between = spec.projections[3];
    EXPECT_EQ(between.name, "A_E_to_B_E");
    EXPECT_DOUBLE_EQ(between.weight.mean, 87.8 * 2.5);
    EXPECT_DOUBLE_EQ(between.weight.sd, 8.8 * 2.5);
    EXPECT_EQ(between.weight.min, 0.0);
    EXPECT_DOUBLE_EQ(spec.projections[2].weight.mean, -351.2 * 2.5);
    EXPECT_EQ(spec.projections[2].weight.max, 0.0);
    EXPECT_DOUBLE_EQ(within.weight.mean, 87.8);  // factor 1: as written
    EXPECT_DOUBLE_EQ(within.plasticity.w_max, 200.0);
    expect_same_spec(spec, load_text(loaded.resolved_yaml, "resolved.yaml").spec);
    // A plastic table: its rule's amplitudes and bounds with the weights.
    const model::model_spec plastic = load_config(with(text, "weight_factor: 1", "weight_factor: 0.5")).spec;
    EXPECT_DOUBLE_EQ(plastic.projections[1].weight.mean, 87.8 * 0.5);
    EXPECT_DOUBLE_EQ(plastic.projections[1].plasticity.A_plus, 0.5);
    EXPECT_DOUBLE_EQ(plastic.projections[1].plasticity.A_minus, -0.5);
    EXPECT_DOUBLE_EQ(plastic.projections[1].plasticity.w_max, 100.0);
    // Compensation: the constant current onto B_E restores K·w̄·ν of the multiplied weight.
    const std::string compensated = with(text, "tables:\n", R"(network:
  indegree_scale: 0.25
  compensation: {mean_rates: {X: "1 Hz", A_E: "2 Hz", A_I: "6 Hz", B_E: "4 Hz"}}
tables:
)");
    const double tau_ex = spec.populations[3].params.tau_syn_ex;
    const double added =
        load_config(compensated).spec.populations[3].params.I_e -
        load_config(with(compensated, "weight_factor: 2.5", "weight_factor: 1")).spec.populations[3].params.I_e;
    // 100 synapses onto 40 neurons (K = 2.5), 1 − √k = 0.5, ν = 2 Hz: the extra 1.5 × 87.8 pA of mean weight.
    EXPECT_NEAR(added, 0.5 * 1e-3 * 1.5 * 87.8 * tau_ex * 2.5 * 2, 1e-9);
    EXPECT_DOUBLE_EQ(load_config(compensated).spec.projections[3].weight.mean, 87.8 * 2.5 * 2);  // × 1/√k
    // Bad: not a positive number; a table of another section.
    EXPECT_EQ(error(with(text, "weight_factor: 2.5", "weight_factor: -1")),
              "DIR/net.yaml:32:22: tables.projections[1].weight_factor: expected a number > 0, got -1");
    EXPECT_EQ(error(with(text, "weight_factor: 2.5", "weight_factor: x2")),
              "DIR/net.yaml:32:22: tables.projections[1].weight_factor: expected a number, got \"x2\"");
    EXPECT_EQ(error(text, {"tables.projections.1.weight_factor=0"}),
              "--set tables.projections.1.weight_factor: tables.projections[1].weight_factor: expected a number > 0, "
              "got 0");
    EXPECT_EQ(error(with(text, "    file: pops.csv\n    name:", "    file: pops.csv\n    weight_factor: 2\n    name:")),
              "DIR/net.yaml:10:5: tables.populations.weight_factor: unknown key for a table of populations; accepted: "
              "file, name, derived, template, where, unless");
}

TEST_F(tables_test, bad_tables_name_file_row_column_key_and_what_was_expected) {
    // Cells.
    EXPECT_EQ(error_with("data/pops.csv", "A,I,20,", "A,I,abc,"),
              "DIR/data/pops.csv:3:neurons: populations.A_I.size: expected an integer ≥ 1, got \"abc\"");
    EXPECT_EQ(error_with("data/syn.csv", "A,E,A,I,200,-351.2", "A,E,A,I,200,abc"),
              "DIR/data/syn.csv:3:w_mean_pA: projections[2].weight.mean: expected a current like \"100 pA\", got "
              "\"abc pA\" (not a number followed by a unit)");
    EXPECT_EQ(error_with("data/syn.csv", "A,E,A,I,200,", "A,E,A,I,-5,"),
              "DIR/data/syn.csv:3:synapses: projections[2].connect.number: expected an integer ≥ 0, got "
              "\"-5\"");
    EXPECT_EQ(error_with("data/syn.csv", "B,E,A,E,", "B,E,C,E,"),
              "DIR/data/syn.csv:4:from_area,from_pop: projections[3].source: unknown population \"C_E\"; "
              "populations: X, A_E, A_I, B_E");
    EXPECT_EQ(error_with("data/syn.csv", "A,E,A,E,400,87.8", "A,E,A,E,400,-87.8"),
              "DIR/data/syn.csv:2:w_mean_pA: projections[1].weight.mean: mean -87.8 pA is below 0 pA: the source "
              "population A_E is excitatory, so its weights onto lif_curr_exp neurons must be ≥ 0");
    EXPECT_EQ(error_with("data/syn.csv", "\"[0,inf)\",3.2", "\"[0;inf)\",3.2"),
              "DIR/data/syn.csv:4:w_bounds: projections[3].weight.bounds: expected an interval like \"[0,inf)\" or "
              "\"(-inf,0] pA\", got \"[0;inf) pA\"");
    EXPECT_EQ(error_with("data/syn.csv", "3.2,1.6", ",1.6"),
              "DIR/data/syn.csv:4:d_mean_ms: projections[3].delay.mean: empty cell; expected a value for this key");
    EXPECT_EQ(error_with("data/syn.csv", "3.2,1.6", "0.05,1.6"),
              "DIR/data/syn.csv:4:d_mean_ms: projections[3].delay.mean: mean 0.05 ms is below the time step dt = "
              "0.1 ms");
    EXPECT_EQ(error_with("data/pops.csv", "B,E,40", "B,X,40"),
              "DIR/data/pops.csv:4:population: populations.B_X.type: no value for \"X\" in "
              "tables.populations.derived.cell_type.values (given for: E, I)");
    EXPECT_EQ(error_with("data/pops.csv", "B,E,40", "B 2,E,40"),
              "DIR/data/pops.csv:4:area,population: populations.B 2_E: invalid population name \"B 2_E\" from the "
              "name pattern; names use letters, digits, '_' and '-' and start with a letter or '_'");
    EXPECT_EQ(error_with("data/pops.csv", "B,E,40", "A,E,40"),
              "DIR/data/pops.csv:4: populations.A_E: population name \"A_E\" is already used by an earlier population");
    EXPECT_EQ(error_with("data/syn.csv", "B,E,A,E,100", "A,E,A,E,100"),
              "DIR/data/syn.csv:4: projections[3]: projection name \"A_E_to_A_E\" is already used by projections[1]; "
              "give one of them a name");
    // Rows and files.
    EXPECT_EQ(error_with("data/syn.csv", "3.2,1.6", "3.2,1.6,9"),
              "DIR/data/syn.csv:4: tables.projections.file: expected 10 fields as in the header, got 11");
    EXPECT_EQ(error_with("data/syn.csv", ",0.75,0.375", ",0.75"),
              "DIR/data/syn.csv:3: tables.projections.file: expected 10 fields as in the header, got 9");
    EXPECT_EQ(error_with("data/syn.csv", "\"[0,inf)\",3.2", "\"[0,inf),3.2"),
              "DIR/data/syn.csv:4: tables.projections.file: a quoted field is never closed (no matching '\"')");
    EXPECT_EQ(error_with("data/syn.csv", "d_mean_ms,d_sd_ms", "d_mean_ms,d_mean_ms"),
              "DIR/data/syn.csv:1: tables.projections.file: the header names column \"d_mean_ms\" twice");
    write("data/syn.csv", "");
    EXPECT_EQ(error(config),
              "DIR/data/syn.csv: tables.projections.file: the file is empty; expected a header line "
              "with the column names");
    write("data/syn.csv", syn);
    // The mapping in the configuration.
    EXPECT_EQ(error(with(config, "\"{synapses}\"", "\"{synapse}\"")),
              "DIR/net.yaml:24:51: tables.projections.template.connect.number: no column \"synapse\" in "
              "DIR/data/syn.csv; columns: to_area, to_pop, from_area, from_pop, synapses, w_mean_pA, "
              "w_sd_pA, w_bounds, d_mean_ms, d_sd_ms");
    EXPECT_EQ(error(with(config, "mean: \"{w_mean_pA} pA\"", "mean: \"{w_mean_pA} mV\"")),
              "DIR/data/syn.csv:2:w_mean_pA: projections[1].weight.mean: expected a current like \"100 pA\", got a "
              "voltage (\"87.8 mV\")");
    EXPECT_EQ(error(with(config, "bounds: \"{w_bounds} pA\"", "bounds: \"{w_bounds} pA\", min: \"0 pA\"")),
              "DIR/net.yaml:25:90: tables.projections.template.weight.bounds: give either bounds or min and max, not "
              "both");
    EXPECT_EQ(error(with(config, "    file: syn.csv", "    file: syn.csv\n    name: \"{x}\"")),
              "DIR/net.yaml:21:5: tables.projections.name: unknown key for a table of projections; accepted: file, "
              "derived, template, where, unless, weight_factor");
    EXPECT_EQ(error(with(config, "    file: syn.csv", "    file: nope.csv")),
              "DIR/net.yaml:20:11: tables.projections.file: cannot open DIR/data/nope.csv: No such file or directory");
    EXPECT_EQ(error(config, {"tables.projections.file=/dev/zero"}),
              "--set tables.projections.file: tables.projections.file: cannot open /dev/zero: not a regular file");
    EXPECT_EQ(error(config, {"tables.directory=elsewhere"}),
              "DIR/net.yaml:9:11: tables.populations.file: cannot open DIR/elsewhere/pops.csv: No such file or "
              "directory");
    EXPECT_EQ(error(with(config, "name: \"{area}_{population}\"", "name: \"{area}_{population\"")),
              "DIR/net.yaml:10:11: tables.populations.name: unmatched '{' in \"{area}_{population\"; write \"{{\" for "
              "a brace");
}

// tables.rates: the rates of the compensation (yaml mean_rates win where given) and of the dry run;
// compensation.inputs scales the Poisson inputs like in-degrees.
TEST_F(tables_test, a_rates_table_feeds_the_compensation_and_the_dry_run) {
    write("data/rates.csv", "region,pop,hz\nA,E,2\nA,I,8\nB,E,4\n");
    const std::string compensated = with(config, "tables:\n", R"(network:
  indegree_scale: 0.25
  compensation: {mean_rates: {X: "1 Hz", A_I: "6 Hz"}, inputs: true}
tables:
  rates: {file: rates.csv, name: "{region}_{pop}", rate: "{hz} Hz"}
)");
    const loaded_config loaded = load_config(compensated);
    const model::model_spec& spec = loaded.spec;
    const model::model_spec plain =
        load_config(with(config, "tables:\n", "network: {indegree_scale: 0.25}\ntables:\n")).spec;
    const model::population_spec& ae = spec.populations[1];
    // Onto A_E (80 neurons): 400 synapses from A_E at 87.8 pA (K = 5, ν = 2 Hz from the table), 200
    // from A_I at -351.2 pA (K = 2.5, ν = 6 Hz from mean_rates, not the table's 8 Hz), and 100
    // Poisson sources of 10 Hz at 87.8 pA; k = 0.25, so 1 − √k = 0.5.
    const double tau_ex = ae.params.tau_syn_ex, tau_in = ae.params.tau_syn_in;
    const double added = 0.5 * 1e-3 * (87.8 * tau_ex * 5 * 2 + -351.2 * tau_in * 2.5 * 6 + 87.8 * tau_ex * 100 * 10);
    EXPECT_NEAR(ae.params.I_e - plain.populations[1].params.I_e, added, 1e-9);
    EXPECT_DOUBLE_EQ(spec.projections[1].weight.mean, 87.8 * 2);  // × 1/√k
    EXPECT_DOUBLE_EQ(spec.poisson_inputs[0].rate, 10 * 0.25);
    EXPECT_DOUBLE_EQ(spec.poisson_inputs[0].weight, 87.8 * 2);
    EXPECT_DOUBLE_EQ(plain.poisson_inputs[0].rate, 10.0);  // not without compensation.inputs
    EXPECT_DOUBLE_EQ(spec.populations[2].expected_rate, 6.0);
    // The dry run's rates: the table's, for the populations it names.
    ASSERT_EQ(spec.dry_run.rates.size(), 4u);
    EXPECT_TRUE(std::isnan(spec.dry_run.rates[0]));
    EXPECT_EQ(spec.dry_run.rates[2], 8.0);
    EXPECT_EQ(spec.dry_run.rates[3], 4.0);
    const model::model_spec dry =
        load_config(with(compensated, "tables:\n", "dry_run: {rates: {B_E: \"5 Hz\"}}\ntables:\n")).spec;
    EXPECT_EQ(dry.dry_run.rates[3], 5.0);
    EXPECT_EQ(dry.dry_run.rates[1], 2.0);

    // The resolved configuration holds the compensated entries and the rates: it loads back the same.
    const loaded_config again = load_text(loaded.resolved_yaml, "resolved.yaml");
    expect_same_spec(spec, again.spec);
    EXPECT_EQ(again.spec.dry_run.rates[2], 8.0);

    // Without X's rate in mean_rates, the projection X → X has a source without a rate.
    EXPECT_EQ(error(with(compensated, "X: \"1 Hz\", ", "")),
              "DIR/net.yaml:8:30: network.compensation.mean_rates: missing the rate of X, the source of projection "
              "X_to_X; every source population needs its full-scale rate (in mean_rates or tables.rates)");
    EXPECT_EQ(error(with(compensated, "compensation: {mean_rates: {X: \"1 Hz\", A_I: \"6 Hz\"}, inputs: true}",
                         "compensation: {mean_rates: {X: \"1 Hz\"}, inputs: true}")),
              "no error");
    // Bad rates tables.
    const auto rates_error = [&](const std::string& table) {
        write("data/rates.csv", table);
        return error(compensated);
    };
    EXPECT_EQ(rates_error("region,pop,hz\nA,E,2\nC,E,8\n"),
              "DIR/data/rates.csv:3:region,pop: rates.C_E.name: unknown population \"C_E\"; populations: X, A_E, A_I, "
              "B_E");
    EXPECT_EQ(rates_error("region,pop,hz\nA,E,2\nA,E,3\n"),
              "DIR/data/rates.csv:3:region,pop: rates.A_E.name: population A_E has a rate in an earlier row");
    EXPECT_EQ(rates_error("region,pop,hz\nA,E,2\nA,I,fast\n"),
              "DIR/data/rates.csv:3:hz: rates.A_I.rate: expected a rate like \"5 Hz\", got \"fast Hz\" (not a "
              "number followed by a unit)");
    EXPECT_EQ(rates_error("region,pop,hz\nA,E,-2\n"),
              "DIR/data/rates.csv:2:hz: rates.A_E.rate: expected a rate ≥ 0, got -2 Hz");
    EXPECT_EQ(rates_error("region,pop,hz\nA,E,\n"),
              "DIR/data/rates.csv:2:hz: rates.A_E.rate: empty cell; expected a value for this key");
    write("data/rates.csv", "region,pop,hz\nA,E,2\n");
    EXPECT_EQ(error(with(compensated, "rate: \"{hz} Hz\"", "rate: \"{Hz} Hz\"")),
              "DIR/net.yaml:10:58: tables.rates.rate: no column \"Hz\" in DIR/data/rates.csv; columns: region, pop, "
              "hz");
    EXPECT_EQ(error(with(compensated, "rate: \"{hz} Hz\"", "template: {}")),
              "DIR/net.yaml:10:52: tables.rates.template: unknown key for a table of rates; accepted: file, name, "
              "derived, rate");
    // compensation.inputs needs inputs onto whole populations.
    const std::string partial =
        "inputs: [{kind: poisson, target: X, rate: \"5 Hz\", weight: \"1 pA\", count: 3}]\ntables:\n";
    EXPECT_EQ(error(with(compensated, "tables:\n", partial)),
              "DIR/net.yaml:8:17: network.compensation: a poisson input addresses part of X (some neurons or until a "
              "stop time); compensation.inputs needs every input to address its whole population until the end, as "
              "the current it adds does");
    EXPECT_EQ(error(with(with(compensated, "tables:\n", partial), "inputs: true", "inputs: false")), "no error");
}

}  // namespace
}  // namespace synorm::config
