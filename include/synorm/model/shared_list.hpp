// A vector whose copies share their elements until one of them is changed (copy on write). The
// projections of a model_spec: with thousands of them (README "Networks from tables") each copy of
// the spec would cost about 400 B per projection, and the engine keeps one (phases change its
// populations and inputs, never its projections) beside the caller's, and the schedule another.
//
// Reading (every const member) never copies. Any member that can change an element first makes the
// elements this list's own when another list shares them, so copies keep value semantics. As with
// any copy on write, a reference or iterator obtained through a non-const member is valid only until
// the list is next copied: take it, write through it, then copy.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace synorm::model {

template <class T>
class shared_list {
public:
    using value_type = T;
    using size_type = std::size_t;
    using const_iterator = typename std::vector<T>::const_iterator;
    using iterator = typename std::vector<T>::iterator;

    shared_list() = default;
    shared_list(std::initializer_list<T> items) : items_(std::make_shared<std::vector<T>>(items)) {}
    shared_list& operator=(std::initializer_list<T> items) {
        items_ = std::make_shared<std::vector<T>>(items);
        return *this;
    }

    // Reading: shared elements stay shared.
    const std::vector<T>& items() const { return items_ ? *items_ : none(); }
    operator const std::vector<T>&() const { return items(); }
    size_type size() const { return items().size(); }
    bool empty() const { return items().empty(); }
    const T& operator[](size_type i) const { return items()[i]; }
    const T& at(size_type i) const { return items().at(i); }
    const T& front() const { return items().front(); }
    const T& back() const { return items().back(); }
    const_iterator begin() const { return items().begin(); }
    const_iterator end() const { return items().end(); }
    const_iterator cbegin() const { return items().begin(); }
    const_iterator cend() const { return items().end(); }
    // Whether this list and `other` share their elements (tests, and what the engine's copy costs).
    bool shares(const shared_list& other) const { return items_ && items_ == other.items_; }

    // Changing: the elements are made this list's own first.
    std::vector<T>& edit() {
        if (!items_) items_ = std::make_shared<std::vector<T>>();
        else if (items_.use_count() > 1)
            items_ = std::make_shared<std::vector<T>>(*items_);
        return *items_;
    }
    T& operator[](size_type i) { return edit()[i]; }
    T& at(size_type i) { return edit().at(i); }
    T& front() { return edit().front(); }
    T& back() { return edit().back(); }
    iterator begin() { return edit().begin(); }
    iterator end() { return edit().end(); }
    void push_back(const T& item) { edit().push_back(item); }
    void push_back(T&& item) { edit().push_back(std::move(item)); }
    template <class... A>
    T& emplace_back(A&&... args) {
        return edit().emplace_back(std::forward<A>(args)...);
    }
    void reserve(size_type n) { edit().reserve(n); }
    void shrink_to_fit() { edit().shrink_to_fit(); }
    void resize(size_type n) { edit().resize(n); }
    void clear() { items_.reset(); }

private:
    static const std::vector<T>& none() {
        static const std::vector<T> nothing;
        return nothing;
    }
    std::shared_ptr<std::vector<T>> items_;  // null: empty
};

}  // namespace synorm::model
