  // ---- vsearch's extension of hnswlib-node's HierarchicalNSW (scripts/hnswlib-node-ext.cc) ----
  // scripts/build-native-hnswlib.mjs inserts these methods into the class when it compiles the
  // copy for this CPU. They take typed arrays instead of number[] (the stock methods read each
  // element through N-API), and addPointsFloat32 inserts from several threads, as hnswlib's
  // Python add_items does: hnswlib's addPoint is safe to call concurrently for distinct labels.

  static bool vsearchIsTypedArray(const Napi::Value& value, napi_typedarray_type type) {
    return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == type;
  }

  // Throws a JavaScript TypeError naming the expected arguments unless `valid`, then the
  // binding's own error when the index was not initialized; true when the call may go on.
  bool vsearchCallReady(Napi::Env env, bool valid, const char* expected) {
    if (!valid) {
      Napi::TypeError::New(env, std::string("Expected ") + expected + ".").ThrowAsJavaScriptException();
      return false;
    }
    if (index_ == nullptr) {
      Napi::Error::New(env, "Search index has not been initialized, call `initIndex` in advance.").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  // addPointsFloat32(vectors: Float32Array, labels: Uint32Array, threads: number): void
  // Labels must be new to the index (not present, not marked deleted); the caller checks.
  Napi::Value addPointsFloat32(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const bool valid = info.Length() == 3 && vsearchIsTypedArray(info[0], napi_float32_array) && vsearchIsTypedArray(info[1], napi_uint32_array) && info[2].IsNumber();
    if (!vsearchCallReady(env, valid, "(vectors: Float32Array, labels: Uint32Array, threads: number)")) return env.Null();
    Napi::Float32Array vectors = info[0].As<Napi::Float32Array>();
    Napi::Uint32Array labels = info[1].As<Napi::Uint32Array>();
    const size_t rows = labels.ElementLength();
    if (vectors.ElementLength() != rows * dim_) {
      Napi::Error::New(env, "Expected " + std::to_string(rows * dim_) + " floats for " + std::to_string(rows) + " labels, got " +
                              std::to_string(vectors.ElementLength()) + ".")
        .ThrowAsJavaScriptException();
      return env.Null();
    }
    if (index_->cur_element_count + rows > index_->max_elements_) {
      Napi::Error::New(env, "Hnswlib Error: The number of elements exceeds the specified limit").ThrowAsJavaScriptException();
      return env.Null();
    }
    const float* data = vectors.Data();
    const uint32_t* ids = labels.Data();
    int64_t wanted = info[2].As<Napi::Number>().Int64Value();
    size_t threads = wanted < 1 ? 1 : static_cast<size_t>(wanted);
    if (rows <= threads * 4) threads = 1;

    std::atomic<size_t> next(0);
    std::atomic<bool> failed(false);
    std::mutex error_mutex;
    std::string error;
    auto insert = [&](size_t row, std::vector<float>& vec) {
      std::copy(data + row * dim_, data + (row + 1) * dim_, vec.begin());
      if (normalize_) normalizePoint(vec);
      index_->addPoint(reinterpret_cast<void*>(vec.data()), static_cast<hnswlib::labeltype>(ids[row]), false);
    };
    auto work = [&]() {
      std::vector<float> vec(dim_, 0.0);
      for (size_t row = next.fetch_add(1); row < rows && !failed.load(); row = next.fetch_add(1)) {
        try {
          insert(row, vec);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!failed.exchange(true)) error = e.what();
        }
      }
    };
    // The first point of an empty graph becomes its entry point: insert it alone, as add_items does.
    if (rows > 0 && index_->cur_element_count == 0) {
      std::vector<float> vec(dim_, 0.0);
      try {
        insert(0, vec);
      } catch (const std::exception& e) {
        Napi::Error::New(env, "Hnswlib Error: " + std::string(e.what())).ThrowAsJavaScriptException();
        return env.Null();
      }
      next.store(1);
    }
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; t++) helpers.emplace_back(work);
    work();
    for (std::thread& helper : helpers) helper.join();
    if (failed.load()) {
      Napi::Error::New(env, "Hnswlib Error: " + error).ThrowAsJavaScriptException();
      return env.Null();
    }
    return env.Null();
  }

  // searchKnnFloat32Into(query: Float32Array, k: number, distances: Float32Array, labels: Uint32Array): number
  // Writes up to k results, nearest first, and returns how many.
  Napi::Value searchKnnFloat32Into(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const bool valid = info.Length() == 4 && vsearchIsTypedArray(info[0], napi_float32_array) && info[1].IsNumber() &&
                       vsearchIsTypedArray(info[2], napi_float32_array) && vsearchIsTypedArray(info[3], napi_uint32_array);
    if (!vsearchCallReady(env, valid, "(query: Float32Array, k: number, distances: Float32Array, labels: Uint32Array)")) return env.Null();
    Napi::Float32Array query = info[0].As<Napi::Float32Array>();
    Napi::Float32Array distances = info[2].As<Napi::Float32Array>();
    Napi::Uint32Array labels = info[3].As<Napi::Uint32Array>();
    const uint32_t k = info[1].As<Napi::Number>().Uint32Value();
    if (query.ElementLength() != dim_ || distances.ElementLength() < k || labels.ElementLength() < k || k > index_->max_elements_) {
      Napi::Error::New(env, "Invalid query length, k or output length.").ThrowAsJavaScriptException();
      return env.Null();
    }
    std::vector<float> vec(query.Data(), query.Data() + dim_);
    if (normalize_) normalizePoint(vec);
    std::priority_queue<std::pair<float, hnswlib::labeltype>> knn;
    try {
      knn = index_->searchKnn(reinterpret_cast<void*>(vec.data()), static_cast<size_t>(k));
    } catch (const std::exception& e) {
      Napi::Error::New(env, "Hnswlib Error: " + std::string(e.what())).ThrowAsJavaScriptException();
      return env.Null();
    }
    const size_t n = knn.size();
    float* out_distances = distances.Data();
    uint32_t* out_labels = labels.Data();
    for (size_t i = n; i > 0; i--) {
      out_distances[i - 1] = knn.top().first;
      out_labels[i - 1] = static_cast<uint32_t>(knn.top().second);
      knn.pop();
    }
    return Napi::Number::New(env, static_cast<double>(n));
  }
  // ---- end of vsearch's extension ----

