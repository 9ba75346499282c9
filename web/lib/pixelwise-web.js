// src/web/index.ts
import * as ort from "onnxruntime-web";

// node_modules/zod/v4/core/util.js
function getEnumValues(entries) {
  const numericValues = Object.values(entries).filter((v) => typeof v === "number");
  const values = Object.entries(entries).filter(([k, _]) => numericValues.indexOf(+k) === -1).map(([_, v]) => v);
  return values;
}
function joinValues(array2, separator = "|") {
  return array2.map((val) => stringifyPrimitive(val)).join(separator);
}
function jsonStringifyReplacer(_, value) {
  if (typeof value === "bigint")
    return value.toString();
  return value;
}
var Cached = class {
  constructor(getter) {
    this._getter = getter;
    this._value = void 0;
  }
  get value() {
    const getter = this._getter;
    if (getter !== void 0) {
      this._value = getter();
      this._getter = void 0;
    }
    return this._value;
  }
};
function cached(getter) {
  return new Cached(getter);
}
function cleanRegex(source) {
  const start = source.startsWith("^") ? 1 : 0;
  const end = source.endsWith("$") ? source.length - 1 : source.length;
  return source.slice(start, end);
}
function assignProp(target, prop, value) {
  Object.defineProperty(target, prop, {
    value,
    writable: true,
    enumerable: true,
    configurable: true
  });
}
function rawShape(def) {
  const desc = Object.getOwnPropertyDescriptor(def, "shape");
  return desc?.get ? desc.get.raw : desc?.value;
}
var captureStackTrace = "captureStackTrace" in Error ? Error.captureStackTrace : (..._args) => {
};
function isObject(data) {
  return typeof data === "object" && data !== null && !Array.isArray(data);
}
function isPlainObject(o) {
  if (isObject(o) === false)
    return false;
  const ctor = o.constructor;
  if (ctor === void 0)
    return true;
  if (typeof ctor !== "function")
    return true;
  const prot = ctor.prototype;
  if (isObject(prot) === false)
    return false;
  if (Object.prototype.hasOwnProperty.call(prot, "isPrototypeOf") === false) {
    return false;
  }
  return true;
}
function shallowClone(o) {
  if (isPlainObject(o))
    return { ...o };
  if (Array.isArray(o))
    return [...o];
  if (o instanceof Map)
    return new Map(o);
  if (o instanceof Set)
    return new Set(o);
  return o;
}
var propertyKeyTypes = /* @__PURE__ */ new Set(["string", "number", "symbol"]);
function escapeRegex(str) {
  return str.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function clone(inst, def, params) {
  const cl = new inst._zod.constr(def ?? inst._zod.def);
  if (!def || params?.parent)
    cl._zod.parent = inst;
  return cl;
}
function normalizeParams(_params) {
  const params = _params;
  if (!params)
    return {};
  if (typeof params === "string")
    return { error: () => params };
  if (params?.message !== void 0) {
    if (params?.error !== void 0)
      throw new Error("Cannot specify both `message` and `error` params");
    params.error = params.message;
  }
  delete params.message;
  if (typeof params.error === "string")
    return { ...params, error: () => params.error };
  return params;
}
function stringifyPrimitive(value) {
  if (typeof value === "bigint")
    return value.toString() + "n";
  if (typeof value === "string")
    return `"${value}"`;
  return `${value}`;
}
function optionalKeys(shape) {
  return Object.keys(shape).filter((k) => {
    return shape[k]._zod.optin !== void 0 && shape[k]._zod.optout === "optional";
  });
}
var NUMBER_FORMAT_RANGES = /* @__PURE__ */ (() => ({
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  float32: [-34028234663852886e22, 34028234663852886e22],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE]
}))();
function aborted(x, startIndex = 0) {
  if (x.aborted === true)
    return true;
  for (let i = startIndex; i < x.issues.length; i++) {
    if (x.issues[i]?.continue !== true) {
      return true;
    }
  }
  return false;
}
function explicitlyAborted(x, startIndex = 0) {
  if (x.aborted === true)
    return true;
  for (let i = startIndex; i < x.issues.length; i++) {
    if (x.issues[i]?.continue === false) {
      return true;
    }
  }
  return false;
}
function prefixIssues(path, issues) {
  return issues.map((iss) => {
    var _a2;
    (_a2 = iss).path ?? (_a2.path = []);
    iss.path.unshift(path);
    return iss;
  });
}
function unwrapMessage(message) {
  return typeof message === "string" ? message : message?.message;
}
function sizeCaps(defChecks) {
  const caps = [];
  for (const ch of defChecks ?? []) {
    const d = ch._zod.def;
    if (!/_(length|size)$|_equals$/.test(d.check))
      break;
    const max = d.maximum ?? d.length ?? d.size;
    if (max >= 0)
      caps.push([max, ch]);
  }
  return caps;
}
function attachSchema(issues, start, inst) {
  var _a2;
  for (let i = start; i < issues.length; i++) {
    (_a2 = issues[i]).schema ?? (_a2.schema = inst);
  }
}
function finalizeIssue(iss, ctx, config2) {
  var _a2;
  const traits = iss.inst?._zod?.traits;
  if (traits?.has("$ZodType")) {
    if (traits.has("$ZodCheck"))
      (_a2 = iss).schema ?? (_a2.schema = iss.inst);
    else
      iss.schema = iss.inst;
  }
  const schemaError = iss.schema !== iss.inst ? iss.schema?._zod.def?.error : void 0;
  const message = iss.message ? iss.message : unwrapMessage(iss.inst?._zod.def?.error?.(iss)) ?? unwrapMessage(schemaError?.(iss)) ?? unwrapMessage(ctx?.error?.(iss)) ?? unwrapMessage(config2.customError?.(iss)) ?? unwrapMessage(config2.localeError?.(iss)) ?? "Invalid input";
  const full = {};
  for (const k of Object.keys(iss)) {
    if (k === "inst" || k === "schema" || k === "continue" || k === "input" || k === "__proto__")
      continue;
    full[k] = iss[k];
  }
  full.path ?? (full.path = []);
  full.message = message;
  if (ctx?.reportInput) {
    full.input = iss.input;
  }
  return full;
}
function parsedType(data) {
  const t = typeof data;
  switch (t) {
    case "number": {
      return Number.isNaN(data) ? "nan" : "number";
    }
    case "object": {
      if (data === null) {
        return "null";
      }
      if (Array.isArray(data)) {
        return "array";
      }
      const obj = data;
      if (obj && Object.getPrototypeOf(obj) !== Object.prototype && "constructor" in obj && obj.constructor) {
        return obj.constructor.name;
      }
    }
  }
  return t;
}
function issue(...args) {
  const [iss, input, inst] = args;
  if (typeof iss === "string") {
    return {
      message: iss,
      code: "custom",
      input,
      inst
    };
  }
  return { ...iss };
}
function members(proto, table) {
  for (const key in table) {
    const desc = Object.getOwnPropertyDescriptor(table, key);
    if (desc.get)
      Object.defineProperty(proto, key, { ...desc, enumerable: false });
    else
      defineBound(proto, key, desc.value);
  }
}
function own(inst, key, value, enumerable = true) {
  Object.defineProperty(inst, key, { configurable: true, writable: true, enumerable, value });
  return value;
}
function hide(inst, key, value) {
  return own(inst, key, value, false);
}
function defineBound(proto, key, fn) {
  Object.defineProperty(proto, key, {
    configurable: true,
    get() {
      return this == null ? fn : own(this, key, fn.bind(this));
    },
    set(value) {
      own(this, key, value);
    }
  });
}
function claim(inst, sentinel) {
  const proto = Object.getPrototypeOf(inst);
  return sentinel in proto ? void 0 : proto;
}
var installing;
var broke = false;
var breaker = {
  configurable: true,
  get() {
    broke = true;
    return void 0;
  }
};
function defineLazyInternal(inst, key, compute) {
  const proto = Object.getPrototypeOf(inst._zod);
  if (key in proto && installing !== inst._zod) {
    installing = void 0;
    return;
  }
  installing = inst._zod;
  Object.defineProperty(proto, key, {
    configurable: true,
    get() {
      Object.defineProperty(this, key, breaker);
      const outer = broke;
      broke = false;
      try {
        const value = compute(this);
        if (broke)
          delete this[key];
        else
          Object.defineProperty(this, key, { configurable: true, writable: true, value });
        broke = broke || outer;
        return value;
      } catch (err) {
        delete this[key];
        broke = broke || outer;
        throw err;
      }
    },
    set(value) {
      Object.defineProperty(this, key, { configurable: true, writable: true, value });
    }
  });
}
function installLazyProp(inst, key, make, enumerable) {
  const proto = claim(inst, key);
  if (!proto)
    return;
  Object.defineProperty(proto, key, {
    configurable: true,
    get() {
      const desc = { configurable: true, writable: true, enumerable, value: void 0 };
      Object.defineProperty(this, key, desc);
      desc.value = make(this);
      Object.defineProperty(this, key, desc);
      return desc.value;
    },
    set(value) {
      Object.defineProperty(this, key, { configurable: true, writable: true, enumerable, value });
    }
  });
}

// node_modules/zod/v4/core/core.js
var _a;
var _zodDesc = { value: void 0, enumerable: false };
var _E = "captureStackTrace" in Error ? Error : null;
function newError(Definition) {
  const E = _E;
  if (E) {
    const saved = E.stackTraceLimit;
    if (typeof saved === "number") {
      try {
        E.stackTraceLimit = 0;
      } catch {
        _E = null;
        return new Definition();
      }
      try {
        return new Definition();
      } finally {
        E.stackTraceLimit = saved;
      }
    }
  }
  return new Definition();
}
// @__NO_SIDE_EFFECTS__
function $constructor(name, initializer2, proto, params) {
  const zodProto = {};
  function Internals(def) {
    this.def = def;
    this.constr = _;
    this.traits = /* @__PURE__ */ new Set();
  }
  Internals.prototype = zodProto;
  const protoMembers = proto;
  const initialized = protoMembers && /* @__PURE__ */ new WeakSet();
  function init(inst, def) {
    if (!inst._zod) {
      _zodDesc.value = new Internals(def);
      try {
        Object.defineProperty(inst, "_zod", _zodDesc);
      } finally {
        _zodDesc.value = void 0;
      }
    } else if (inst._zod.traits.has(name)) {
      return;
    }
    inst._zod.traits.add(name);
    initializer2(inst, def);
    if (initialized) {
      const own2 = Object.getPrototypeOf(inst);
      const ctorProto = inst._zod.constr.prototype;
      let up = own2;
      while (up && up !== ctorProto)
        up = Object.getPrototypeOf(up);
      const target = up ?? own2;
      if (!initialized.has(target)) {
        initialized.add(target);
        members(target, protoMembers);
      }
    }
    const proto2 = _.prototype;
    for (const k in proto2) {
      if (!Object.prototype.hasOwnProperty.call(proto2, k))
        continue;
      if (!(k in inst)) {
        inst[k] = proto2[k].bind(inst);
      }
    }
  }
  const Parent = params?.Parent ?? Object;
  class Definition extends Parent {
  }
  Object.defineProperty(Definition, "name", { value: name });
  function _(def) {
    const inst = params?.Parent ? newError(Definition) : this;
    init(inst, def);
    const deferred = inst._zod.deferred;
    if (deferred) {
      for (const fn of deferred) {
        fn();
      }
      inst._zod.deferred = void 0;
    }
    const pp = globalThis.__zod_globalConfig?.postProcessor;
    if (pp)
      pp(inst);
    return inst;
  }
  Object.defineProperty(_, "init", { value: init });
  Object.defineProperty(_, Symbol.hasInstance, {
    value: (inst) => {
      if (params?.Parent && inst instanceof params.Parent)
        return true;
      return inst?._zod?.traits?.has(name);
    }
  });
  Object.defineProperty(_, "name", { value: name });
  return _;
}
var $ZodAsyncError = class extends Error {
  constructor() {
    super(`Encountered Promise during synchronous parse. Use .parseAsync() instead.`);
  }
};
var $ZodEncodeError = class extends Error {
  constructor(name) {
    super(`Encountered unidirectional transform during encode: ${name}`);
    this.name = "ZodEncodeError";
  }
};
(_a = globalThis).__zod_globalConfig ?? (_a.__zod_globalConfig = {});
var globalConfig = globalThis.__zod_globalConfig;
function config(newConfig) {
  if (newConfig)
    Object.assign(globalConfig, newConfig);
  return globalConfig;
}

// node_modules/zod/v4/core/errors.js
function _getMessage() {
  const internals = this._zod;
  internals.message ?? (internals.message = JSON.stringify(internals.def, jsonStringifyReplacer, 2));
  return internals.message;
}
function _setMessage(value) {
  this._zod.message = value;
}
var _messageDesc = {
  get: _getMessage,
  set: _setMessage,
  enumerable: true,
  configurable: true
};
var _issuesDesc = { value: void 0, enumerable: false };
var _installedToString = /* @__PURE__ */ new WeakSet([Object.prototype, Error.prototype]);
var initializer = (inst, def) => {
  inst.name = "$ZodError";
  _issuesDesc.value = def;
  Object.defineProperty(inst, "issues", _issuesDesc);
  _issuesDesc.value = void 0;
  Object.defineProperty(inst, "message", _messageDesc);
  const proto = Object.getPrototypeOf(inst);
  if (!_installedToString.has(proto)) {
    _installedToString.add(proto);
    Object.defineProperty(proto, "toString", {
      configurable: true,
      enumerable: false,
      get() {
        const value = () => this.message;
        Object.defineProperty(this, "toString", { value, configurable: true, writable: true });
        return value;
      },
      set(value) {
        Object.defineProperty(this, "toString", { value, configurable: true, writable: true });
      }
    });
  }
};
var $ZodError = $constructor("$ZodError", initializer);
var $ZodRealError = $constructor("$ZodError", initializer, void 0, {
  Parent: Error
});

// node_modules/zod/v4/core/parse.js
var _parse = (_Err) => {
  const fn = (schema, value, _ctx, _params) => {
    const ctx = _ctx ? { ..._ctx, async: false } : { async: false };
    const result = schema._zod.run({ value, issues: [] }, ctx);
    if (result instanceof Promise) {
      throw new $ZodAsyncError();
    }
    if (result.issues.length) {
      const e = new (_params?.Err ?? _Err)(result.issues.map((iss) => finalizeIssue(iss, ctx, config())));
      captureStackTrace(e, _params?.callee ?? fn);
      throw e;
    }
    return result.value;
  };
  return fn;
};
var parse = /* @__PURE__ */ _parse($ZodRealError);
var _parseAsync = (_Err) => {
  const fn = async (schema, value, _ctx, params) => {
    const ctx = _ctx ? { ..._ctx, async: true } : { async: true };
    let result = schema._zod.run({ value, issues: [] }, ctx);
    if (result instanceof Promise)
      result = await result;
    if (result.issues.length) {
      const e = new (params?.Err ?? _Err)(result.issues.map((iss) => finalizeIssue(iss, ctx, config())));
      captureStackTrace(e, params?.callee ?? fn);
      throw e;
    }
    return result.value;
  };
  return fn;
};
var parseAsync = /* @__PURE__ */ _parseAsync($ZodRealError);
var _safeParse = (_Err) => (schema, value, _ctx) => {
  const ctx = _ctx ? { ..._ctx, async: false } : { async: false };
  const result = schema._zod.run({ value, issues: [] }, ctx);
  if (result instanceof Promise) {
    throw new $ZodAsyncError();
  }
  return result.issues.length ? failure(_Err, result.issues, ctx) : { success: true, data: result.value };
};
var safeParse = /* @__PURE__ */ _safeParse($ZodRealError);
function failure(Err, issues, ctx) {
  let error2;
  return {
    success: false,
    get error() {
      if (!error2) {
        error2 = new Err(issues.map((iss) => finalizeIssue(iss, ctx, config())));
        issues = void 0;
        ctx = void 0;
      }
      return error2;
    },
    set error(e) {
      error2 = e;
      issues = void 0;
      ctx = void 0;
    }
  };
}
var _safeParseAsync = (_Err) => async (schema, value, _ctx) => {
  const ctx = _ctx ? { ..._ctx, async: true } : { async: true };
  let result = schema._zod.run({ value, issues: [] }, ctx);
  if (result instanceof Promise)
    result = await result;
  return result.issues.length ? failure(_Err, result.issues, ctx) : { success: true, data: result.value };
};
var safeParseAsync = /* @__PURE__ */ _safeParseAsync($ZodRealError);

// node_modules/zod/v4/core/regexes.js
var anyString = /^[\s\S]{0,}$/;
var number = /^-?\d+(?:\.\d+)?$/;
var boolean = /^(?:true|false)$/i;

// node_modules/zod/v4/core/checks.js
var $ZodCheck = /* @__PURE__ */ $constructor("$ZodCheck", (inst, def) => {
  var _a2;
  inst._zod ?? (inst._zod = {});
  inst._zod.def = def;
  (_a2 = inst._zod).onattach ?? (_a2.onattach = []);
});
var numericOriginMap = {
  number: "number",
  bigint: "bigint",
  object: "date"
};
var $ZodCheckLessThan = /* @__PURE__ */ $constructor("$ZodCheckLessThan", (inst, def) => {
  $ZodCheck.init(inst, def);
  const origin = numericOriginMap[typeof def.value];
  inst._zod.check = (payload) => {
    if (def.inclusive ? payload.value <= def.value : payload.value < def.value) {
      return;
    }
    payload.issues.push({
      origin: numericOriginMap[typeof payload.value] ?? origin,
      code: "too_big",
      maximum: typeof def.value === "object" ? def.value.getTime() : def.value,
      input: payload.value,
      inclusive: def.inclusive,
      inst,
      continue: !def.abort
    });
  };
});
var $ZodCheckGreaterThan = /* @__PURE__ */ $constructor("$ZodCheckGreaterThan", (inst, def) => {
  $ZodCheck.init(inst, def);
  const origin = numericOriginMap[typeof def.value];
  inst._zod.check = (payload) => {
    if (def.inclusive ? payload.value >= def.value : payload.value > def.value) {
      return;
    }
    payload.issues.push({
      origin: numericOriginMap[typeof payload.value] ?? origin,
      code: "too_small",
      minimum: typeof def.value === "object" ? def.value.getTime() : def.value,
      input: payload.value,
      inclusive: def.inclusive,
      inst,
      continue: !def.abort
    });
  };
});
var $ZodCheckNumberFormat = /* @__PURE__ */ $constructor("$ZodCheckNumberFormat", (inst, def) => {
  $ZodCheck.init(inst, def);
  def.format = def.format || "float64";
  const isInt = def.format?.includes("int");
  const origin = isInt ? "int" : "number";
  const [minimum, maximum] = NUMBER_FORMAT_RANGES[def.format];
  inst._zod.check = (payload) => {
    const input = payload.value;
    if (isInt) {
      if (!Number.isInteger(input)) {
        payload.issues.push({
          expected: origin,
          format: def.format,
          code: "invalid_type",
          continue: false,
          input,
          inst
        });
        return;
      }
      if (!Number.isSafeInteger(input)) {
        if (input > 0) {
          payload.issues.push({
            input,
            code: "too_big",
            maximum: Number.MAX_SAFE_INTEGER,
            note: "Integers must be within the safe integer range.",
            inst,
            origin,
            inclusive: true,
            continue: !def.abort
          });
        } else {
          payload.issues.push({
            input,
            code: "too_small",
            minimum: Number.MIN_SAFE_INTEGER,
            note: "Integers must be within the safe integer range.",
            inst,
            origin,
            inclusive: true,
            continue: !def.abort
          });
        }
        return;
      }
    }
    if (input < minimum) {
      payload.issues.push({
        origin: "number",
        input,
        code: "too_small",
        minimum,
        inclusive: true,
        inst,
        continue: !def.abort
      });
    }
    if (input > maximum) {
      payload.issues.push({
        origin: "number",
        input,
        code: "too_big",
        maximum,
        inclusive: true,
        inst,
        continue: !def.abort
      });
    }
  };
});

// node_modules/zod/v4/core/versions.js
var version = {
  major: 4,
  minor: 6,
  patch: 7
};

// node_modules/zod/v4/core/schemas.js
var $ZodType = /* @__PURE__ */ $constructor("$ZodType", (inst, def) => {
  var _a2;
  inst ?? (inst = {});
  inst._zod.def = def;
  inst._zod.bag = inst._zod.bag || {};
  inst._zod.version = version;
  const defChecks = inst._zod.def.checks;
  const checks = inst._zod.traits.has("$ZodCheck") ? [inst, ...defChecks ?? []] : defChecks?.length ? [...defChecks] : [];
  for (const ch of checks) {
    for (const fn of ch._zod.onattach) {
      fn(inst);
    }
  }
  if (checks.length === 0) {
    (_a2 = inst._zod).deferred ?? (_a2.deferred = []);
    inst._zod.deferred?.push(() => {
      inst._zod.run = inst._zod.parse;
    });
  } else {
    const runChecks = (payload, checks2, ctx) => {
      if (payload.memo)
        return payload;
      let isAborted = aborted(payload);
      let asyncResult;
      for (const ch of checks2) {
        if (ch._zod.def.when) {
          if (explicitlyAborted(payload))
            continue;
          const shouldRun = ch._zod.def.when(payload);
          if (!shouldRun)
            continue;
        } else if (isAborted) {
          continue;
        }
        const currLen = payload.issues.length;
        const _ = ch._zod.check(payload);
        if (_ instanceof Promise && ctx?.async === false) {
          throw new $ZodAsyncError();
        }
        if (asyncResult || _ instanceof Promise) {
          asyncResult = (asyncResult ?? Promise.resolve()).then(async () => {
            await _;
            const nextLen = payload.issues.length;
            if (nextLen === currLen)
              return;
            attachSchema(payload.issues, currLen, inst);
            if (!isAborted)
              isAborted = aborted(payload, currLen);
          });
        } else {
          const nextLen = payload.issues.length;
          if (nextLen === currLen)
            continue;
          attachSchema(payload.issues, currLen, inst);
          if (!isAborted)
            isAborted = aborted(payload, currLen);
        }
      }
      if (asyncResult) {
        return asyncResult.then(() => {
          return payload;
        });
      }
      return payload;
    };
    const handleCanaryResult = (canary, payload, ctx) => {
      if (aborted(canary)) {
        canary.aborted = true;
        return canary;
      }
      const checkResult = runChecks(payload, checks, ctx);
      if (checkResult instanceof Promise) {
        if (ctx.async === false)
          throw new $ZodAsyncError();
        return checkResult.then((checkResult2) => inst._zod.parse(checkResult2, ctx));
      }
      return inst._zod.parse(checkResult, ctx);
    };
    inst._zod.run = (payload, ctx) => {
      if (ctx.skipChecks) {
        return inst._zod.parse(payload, ctx);
      }
      if (ctx.direction === "backward") {
        const canary = inst._zod.parse({ value: payload.value, issues: [] }, { ...ctx, skipChecks: true });
        if (canary instanceof Promise) {
          return canary.then((canary2) => {
            return handleCanaryResult(canary2, payload, ctx);
          });
        }
        return handleCanaryResult(canary, payload, ctx);
      }
      const result = inst._zod.parse(payload, ctx);
      if (result instanceof Promise) {
        if (ctx.async === false)
          throw new $ZodAsyncError();
        return result.then((result2) => runChecks(result2, checks, ctx));
      }
      return runChecks(result, checks, ctx);
    };
  }
}, {
  // Wrappers extend this by installing a richer factory over it; reading it eagerly would defeat the laziness.
  get "~standard"() {
    return hide(this, "~standard", standardProps(this));
  },
  set "~standard"(value) {
    own(this, "~standard", value);
  }
});
var toStandardResult = (r, ctx) => r.issues.length ? { issues: r.issues.map((iss) => finalizeIssue(iss, ctx, config())) } : { value: r.value };
async function validateAsync(inst, value) {
  const ctx = { async: true };
  return toStandardResult(await inst._zod.run({ value, issues: [] }, ctx), ctx);
}
function standardProps(inst) {
  return {
    validate: (value) => {
      const ctx = { async: false };
      try {
        const r = inst._zod.run({ value, issues: [] }, ctx);
        if (!(r instanceof Promise))
          return toStandardResult(r, ctx);
      } catch (_) {
      }
      return validateAsync(inst, value);
    },
    vendor: "zod",
    version: 1
  };
}
var $ZodString = /* @__PURE__ */ $constructor("$ZodString", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.pattern = def.pattern ?? anyString;
  inst._zod.parse = (payload, _) => {
    if (def.coerce)
      try {
        payload.value = String(payload.value);
      } catch (_2) {
      }
    if (typeof payload.value === "string")
      return payload;
    payload.issues.push({
      expected: "string",
      code: "invalid_type",
      input: payload.value,
      inst
    });
    return payload;
  };
});
var $ZodNumber = /* @__PURE__ */ $constructor("$ZodNumber", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.pattern = number;
  inst._zod.parse = (payload, _ctx) => {
    if (def.coerce)
      try {
        payload.value = Number(payload.value);
      } catch (_) {
      }
    const input = payload.value;
    if (typeof input === "number" && !Number.isNaN(input) && Number.isFinite(input)) {
      return payload;
    }
    const received = typeof input === "number" ? Number.isNaN(input) ? "NaN" : !Number.isFinite(input) ? String(input) : void 0 : void 0;
    payload.issues.push({
      expected: "number",
      code: "invalid_type",
      input,
      inst,
      ...received ? { received } : {}
    });
    return payload;
  };
});
var $ZodNumberFormat = /* @__PURE__ */ $constructor("$ZodNumberFormat", (inst, def) => {
  $ZodCheckNumberFormat.init(inst, def);
  $ZodNumber.init(inst, def);
});
var $ZodBoolean = /* @__PURE__ */ $constructor("$ZodBoolean", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.pattern = boolean;
  inst._zod.parse = (payload, _ctx) => {
    if (def.coerce)
      try {
        payload.value = Boolean(payload.value);
      } catch (_) {
      }
    const input = payload.value;
    if (typeof input === "boolean")
      return payload;
    payload.issues.push({
      expected: "boolean",
      code: "invalid_type",
      input,
      inst
    });
    return payload;
  };
});
var $ZodUnknown = /* @__PURE__ */ $constructor("$ZodUnknown", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.parse = (payload) => payload;
});
var $ZodNever = /* @__PURE__ */ $constructor("$ZodNever", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.parse = (payload, _ctx) => {
    payload.issues.push({
      expected: "never",
      code: "invalid_type",
      input: payload.value,
      inst
    });
    return payload;
  };
});
function capSize(inst, size) {
  const caps = sizeCaps(inst._zod.def.checks);
  if (!caps.length)
    return;
  const cap = Math.min(...caps.map((c) => c[0]));
  const parse2 = inst._zod.parse;
  inst._zod.parse = (payload, ctx) => {
    const n = size(payload.value);
    if (n > cap && !ctx?.skipChecks && ctx?.direction !== "backward") {
      for (const [max, ch] of sizeCaps(inst._zod.def.checks)) {
        if (n > max && ch._zod.def.when(payload)) {
          const start = payload.issues.length;
          ch._zod.check(payload);
          payload.issues[start].continue = false;
          attachSchema(payload.issues, start, inst);
          return payload;
        }
      }
    }
    return parse2(payload, ctx);
  };
}
var arraySize = (input) => Array.isArray(input) ? input.length : -1;
function handleArrayResult(result, final, index) {
  if (result.issues.length) {
    final.issues.push(...prefixIssues(index, result.issues));
  }
  final.value[index] = result.value;
}
var $ZodArray = /* @__PURE__ */ $constructor("$ZodArray", (inst, def) => {
  $ZodType.init(inst, def);
  const memo = globalConfig.memoizer;
  memo?.attach(inst);
  inst._zod.parse = (payload, ctx) => {
    const input = payload.value;
    if (!Array.isArray(input)) {
      payload.issues.push({
        expected: "array",
        code: "invalid_type",
        input,
        inst
      });
      return payload;
    }
    payload.value = memo ? memo.alloc(inst, payload, Array(input.length), ctx) : Array(input.length);
    const proms = [];
    const abortEarly = ctx?.abortEarly;
    for (let i = 0; i < input.length; i++) {
      const item = input[i];
      const result = def.element._zod.run({
        value: item,
        issues: []
      }, ctx);
      if (result instanceof Promise) {
        proms.push(result.then((result2) => handleArrayResult(result2, payload, i)));
      } else {
        handleArrayResult(result, payload, i);
        if (abortEarly && result.issues.length !== 0 && aborted(result))
          break;
      }
    }
    if (proms.length) {
      return Promise.all(proms).then(() => payload);
    }
    return payload;
  };
  capSize(inst, arraySize);
});
function handlePropertyResult(result, final, key, input, optin, optout) {
  const isPresent = key in input;
  const isOptionalOut = optout === "optional";
  if (!isPresent && isOptionalOut && optin === "optional") {
    return;
  }
  if (result.issues.length) {
    if (optin !== void 0 && isOptionalOut && !isPresent) {
      return;
    }
    final.issues.push(...prefixIssues(key, result.issues));
  }
  if (!isPresent && optin === void 0) {
    if (!result.issues.length) {
      final.issues.push({
        code: "invalid_type",
        expected: "nonoptional",
        input: void 0,
        path: [key]
      });
    }
    return;
  }
  if (result.value === void 0) {
    if (isPresent || optin === "defaulted" && !isOptionalOut) {
      final.value[key] = void 0;
    }
  } else {
    final.value[key] = result.value;
  }
}
var NO_SYMBOL_KEYS = [];
function normalizeDef(def) {
  const keys = Object.keys(def.shape);
  const ownSymbols = Object.getOwnPropertySymbols(def.shape);
  const symbolKeys = ownSymbols.length ? ownSymbols : NO_SYMBOL_KEYS;
  const allKeys = symbolKeys.length ? [...keys, ...symbolKeys] : keys;
  for (const k of allKeys) {
    if (!def.shape?.[k]?._zod?.traits?.has("$ZodType")) {
      throw new Error(`Invalid element at key "${String(k)}": expected a Zod schema`);
    }
  }
  const okeys = optionalKeys(def.shape);
  return {
    ...def,
    allKeys,
    symbolKeys,
    // string-only: handleCatchall matches it against `for...in`, which never yields a symbol
    keySet: new Set(keys),
    numKeys: keys.length,
    optionalKeys: new Set(okeys)
  };
}
function handleCatchall(proms, input, payload, ctx, def, inst, abortEarly) {
  const unrecognized = [];
  const keySet = def.keySet;
  const _catchall = def.catchall._zod;
  const t = _catchall.def.type;
  const optin = _catchall.optin;
  const optout = _catchall.optout;
  let seen = 0;
  for (const key in input) {
    if (abortEarly && payload.issues.length !== seen) {
      if (aborted(payload, seen))
        break;
      seen = payload.issues.length;
    }
    if (keySet.has(key))
      continue;
    if (key === "__proto__") {
      if (t === "never")
        unrecognized.push(key);
      continue;
    }
    if (t === "never") {
      unrecognized.push(key);
      continue;
    }
    const r = _catchall.run({ value: input[key], issues: [] }, ctx);
    if (r instanceof Promise) {
      proms.push(r.then((r2) => handlePropertyResult(r2, payload, key, input, optin, optout)));
    } else {
      handlePropertyResult(r, payload, key, input, optin, optout);
    }
  }
  if (unrecognized.length) {
    payload.issues.push({
      code: "unrecognized_keys",
      keys: unrecognized,
      input,
      inst,
      // Describes the shape of the input, not the validity of the parsed value, so it never aborts. The parse still fails; the schema's own checks just get to run first, and an enclosing intersection can reconcile the key against a sibling operand.
      continue: true
    });
  }
  if (!proms.length)
    return payload;
  return Promise.all(proms).then(() => {
    return payload;
  });
}
var $ZodObject = /* @__PURE__ */ $constructor("$ZodObject", (inst, def) => {
  $ZodType.init(inst, def);
  const desc = Object.getOwnPropertyDescriptor(def, "shape");
  const sh = desc?.get ? desc.get.raw : def.shape ?? {};
  if (sh) {
    const get = () => {
      const newSh = { ...sh };
      Object.defineProperty(def, "shape", { value: newSh });
      get.raw = newSh;
      return newSh;
    };
    get.raw = sh;
    Object.defineProperty(def, "shape", { get });
  }
  const _normalized = cached(() => normalizeDef(def));
  defineLazyInternal(inst, "propValues", (zod) => {
    const shape = zod.def.shape;
    const propValues = {};
    for (const key in shape) {
      const field = shape[key]._zod;
      if (field.values) {
        if (!Object.prototype.hasOwnProperty.call(propValues, key)) {
          assignProp(propValues, key, /* @__PURE__ */ new Set());
        }
        for (const v of field.values)
          propValues[key].add(v);
        if (field.optin !== void 0)
          propValues[key].add(void 0);
      }
    }
    return propValues;
  });
  const isObject2 = isObject;
  const catchall = def.catchall;
  let value;
  const memo = globalConfig.memoizer;
  memo?.attach(inst);
  inst._zod.parse = (payload, ctx) => {
    value ?? (value = _normalized.value);
    const input = payload.value;
    if (!isObject2(input)) {
      payload.issues.push({
        expected: "object",
        code: "invalid_type",
        input,
        inst
      });
      return payload;
    }
    payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
    const proms = [];
    const shape = value.shape;
    const abortEarly = ctx?.abortEarly;
    let seen = payload.issues.length;
    for (const key of value.allKeys) {
      if (abortEarly && payload.issues.length !== seen) {
        if (aborted(payload, seen))
          break;
        seen = payload.issues.length;
      }
      if (key === "__proto__")
        continue;
      const el = shape[key];
      const optin = el._zod.optin;
      const optout = el._zod.optout;
      const r = el._zod.run({ value: input[key], issues: [] }, ctx);
      if (r instanceof Promise) {
        proms.push(r.then((r2) => handlePropertyResult(r2, payload, key, input, optin, optout)));
      } else {
        handlePropertyResult(r, payload, key, input, optin, optout);
      }
    }
    if (!catchall) {
      return proms.length ? Promise.all(proms).then(() => payload) : payload;
    }
    return handleCatchall(proms, input, payload, ctx, _normalized.value, inst, abortEarly === true);
  };
});
function handleUnionResults(results, final, inst, ctx) {
  for (const result of results) {
    if (result.issues.length === 0) {
      final.value = result.value;
      return final;
    }
  }
  const nonaborted = results.filter((r) => !aborted(r));
  if (nonaborted.length === 1) {
    final.value = nonaborted[0].value;
    return nonaborted[0];
  }
  final.issues.push({
    code: "invalid_union",
    input: final.value,
    inst,
    errors: results.map((result) => result.issues.map((iss) => finalizeIssue(iss, ctx, config())))
  });
  return final;
}
var $ZodUnion = /* @__PURE__ */ $constructor("$ZodUnion", (inst, def) => {
  $ZodType.init(inst, def);
  defineLazyInternal(inst, "optin", (zod) => zod.def.options.some((o) => o._zod.optin === "defaulted") ? "defaulted" : zod.def.options.some((o) => o._zod.optin !== void 0) ? "optional" : void 0);
  defineLazyInternal(inst, "optout", (zod) => zod.def.options.some((o) => o._zod.optout === "optional") ? "optional" : void 0);
  defineLazyInternal(inst, "values", (zod) => {
    if (zod.def.options.every((o) => o._zod.values)) {
      return new Set(zod.def.options.flatMap((option) => Array.from(option._zod.values)));
    }
    return void 0;
  });
  defineLazyInternal(inst, "pattern", (zod) => {
    if (zod.def.options.every((o) => o._zod.pattern)) {
      const patterns = zod.def.options.map((o) => o._zod.pattern);
      return new RegExp(`^(${patterns.map((p) => cleanRegex(p.source)).join("|")})$`);
    }
    return void 0;
  });
  const first = def.options.length === 1 ? def.options[0]._zod.run : null;
  inst._zod.parse = (payload, ctx) => {
    if (first) {
      return first(payload, ctx);
    }
    let async = false;
    const results = [];
    for (const option of def.options) {
      const result = option._zod.run({
        value: payload.value,
        issues: []
      }, ctx);
      if (result instanceof Promise) {
        results.push(result);
        async = true;
      } else {
        if (result.issues.length === 0)
          return result;
        results.push(result);
      }
    }
    if (!async)
      return handleUnionResults(results, payload, inst, ctx);
    return Promise.all(results).then((results2) => {
      return handleUnionResults(results2, payload, inst, ctx);
    });
  };
});
function discriminatorMap(def) {
  const map = /* @__PURE__ */ new Map();
  for (const option of def.options) {
    const values = option._zod.propValues?.[def.discriminator];
    if (!values || values.size === 0)
      throw new Error(`Invalid discriminated union option at index "${def.options.indexOf(option)}"`);
    for (const value of values) {
      if (map.has(value)) {
        if (value !== void 0)
          throw new Error(`Duplicate discriminator value "${String(value)}"`);
        map.set(value, null);
      } else {
        map.set(value, option);
      }
    }
  }
  return map;
}
var $ZodDiscriminatedUnion = /* @__PURE__ */ $constructor("$ZodDiscriminatedUnion", (inst, def) => {
  def.inclusive = false;
  $ZodUnion.init(inst, def);
  const _super = inst._zod.parse;
  defineLazyInternal(inst, "propValues", (zod) => {
    const propValues = {};
    let undefinedCount = 0;
    for (const option of zod.def.options) {
      const pv = option._zod.propValues;
      if (!pv || Object.keys(pv).length === 0)
        throw new Error(`Invalid discriminated union option at index "${zod.def.options.indexOf(option)}"`);
      if (pv[zod.def.discriminator]?.has(void 0))
        undefinedCount++;
      for (const [k, v] of Object.entries(pv)) {
        if (!Object.prototype.hasOwnProperty.call(propValues, k)) {
          assignProp(propValues, k, /* @__PURE__ */ new Set());
        }
        for (const val of v) {
          propValues[k].add(val);
        }
      }
    }
    if (!zod.def.unionFallback && undefinedCount > 1)
      propValues[zod.def.discriminator]?.delete(void 0);
    return propValues;
  });
  def.options.forEach((option, i) => {
    const propShape = rawShape(option._zod.def);
    if (propShape && !Object.prototype.hasOwnProperty.call(propShape, def.discriminator)) {
      throw new Error(`Invalid discriminated union option at index "${i}"`);
    }
  });
  const disc = cached(() => discriminatorMap(def));
  inst._zod.parse = (payload, ctx) => {
    const input = payload.value;
    if (!isObject(input)) {
      payload.issues.push({
        code: "invalid_type",
        expected: "object",
        input,
        inst
      });
      return payload;
    }
    const value = input?.[def.discriminator];
    const opt = disc.value.get(value);
    if (opt && (value !== void 0 || ctx.direction !== "backward")) {
      return opt._zod.run(payload, ctx);
    }
    if (def.unionFallback || ctx.direction === "backward") {
      return _super(payload, ctx);
    }
    payload.issues.push({
      code: "invalid_union",
      errors: [],
      note: "No matching discriminator",
      discriminator: def.discriminator,
      options: Array.from(disc.value.keys()).filter((value2) => disc.value.get(value2) !== null),
      input,
      path: [def.discriminator],
      inst
    });
    return payload;
  };
});
var $ZodTuple = /* @__PURE__ */ $constructor("$ZodTuple", (inst, def) => {
  $ZodType.init(inst, def);
  const items = def.items;
  const memo = globalConfig.memoizer;
  memo?.attach(inst);
  inst._zod.parse = (payload, ctx) => {
    const input = payload.value;
    if (!Array.isArray(input)) {
      payload.issues.push({
        input,
        inst,
        expected: "tuple",
        code: "invalid_type"
      });
      return payload;
    }
    payload.value = memo ? memo.alloc(inst, payload, [], ctx) : [];
    const proms = [];
    const optinStart = getTupleOptStart(items, "optin");
    const optoutStart = getTupleOptStart(items, "optout");
    if (!def.rest) {
      if (input.length < optinStart) {
        payload.issues.push({
          code: "too_small",
          minimum: optinStart,
          inclusive: true,
          input,
          inst,
          origin: "array"
        });
        return payload;
      }
      if (input.length > items.length) {
        payload.issues.push({
          code: "too_big",
          maximum: items.length,
          inclusive: true,
          input,
          inst,
          origin: "array"
        });
      }
    }
    const itemResults = new Array(items.length);
    const abortEarly = def.rest ? ctx?.abortEarly : void 0;
    let itemAborted = false;
    for (let i = 0; i < items.length; i++) {
      const r = items[i]._zod.run({ value: input[i], issues: [] }, ctx);
      if (r instanceof Promise) {
        proms.push(r.then((rr) => {
          itemResults[i] = rr;
        }));
      } else {
        itemResults[i] = r;
        if (abortEarly && !itemAborted && r.issues.length)
          itemAborted = aborted(r);
      }
    }
    if (def.rest && !itemAborted) {
      let i = items.length - 1;
      const rest = input.slice(items.length);
      let seen = payload.issues.length;
      for (const el of rest) {
        if (abortEarly && payload.issues.length !== seen) {
          if (aborted(payload, seen))
            break;
          seen = payload.issues.length;
        }
        i++;
        const result = def.rest._zod.run({ value: el, issues: [] }, ctx);
        if (result instanceof Promise) {
          proms.push(result.then((r) => handleTupleResult(r, payload, i)));
        } else {
          handleTupleResult(result, payload, i);
        }
      }
    }
    if (proms.length) {
      return Promise.all(proms).then(() => handleTupleResults(itemResults, payload, items, input, optoutStart));
    }
    return handleTupleResults(itemResults, payload, items, input, optoutStart);
  };
});
function getTupleOptStart(items, key) {
  for (let i = items.length - 1; i >= 0; i--) {
    const omittable = key === "optin" ? items[i]._zod.optin !== void 0 : items[i]._zod.optout === "optional";
    if (!omittable)
      return i + 1;
  }
  return 0;
}
function handleTupleResult(result, final, index) {
  if (result.issues.length) {
    final.issues.push(...prefixIssues(index, result.issues));
  }
  final.value[index] = result.value;
}
function handleTupleResults(itemResults, final, items, input, optoutStart) {
  for (let i = 0; i < items.length; i++) {
    const r = itemResults[i];
    const isPresent = i < input.length;
    if (!isPresent && i >= optoutStart && items[i]._zod.optin === "optional") {
      final.value.length = i;
      break;
    }
    if (r.issues.length) {
      if (!isPresent && i >= optoutStart) {
        final.value.length = i;
        break;
      }
      final.issues.push(...prefixIssues(i, r.issues));
    }
    final.value[i] = r.value;
  }
  for (let i = final.value.length - 1; i >= input.length; i--) {
    if (items[i]._zod.optout === "optional" && final.value[i] === void 0) {
      final.value.length = i;
    } else {
      break;
    }
  }
  return final;
}
var $ZodRecord = /* @__PURE__ */ $constructor("$ZodRecord", (inst, def) => {
  $ZodType.init(inst, def);
  const memo = globalConfig.memoizer;
  memo?.attach(inst);
  inst._zod.parse = (payload, ctx) => {
    const input = payload.value;
    if (!isPlainObject(input)) {
      payload.issues.push({
        expected: "record",
        code: "invalid_type",
        input,
        inst
      });
      return payload;
    }
    const proms = [];
    const values = def.keyType._zod.values;
    if (values && !def.partial) {
      payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
      const recordKeys = /* @__PURE__ */ new Set();
      for (const key of values) {
        if (typeof key === "string" || typeof key === "number" || typeof key === "symbol") {
          recordKeys.add(typeof key === "number" ? key.toString() : key);
          if (key === "__proto__")
            continue;
          const keyResult = def.keyType._zod.run({ value: key, issues: [] }, ctx);
          if (keyResult instanceof Promise) {
            throw new Error("Async schemas not supported in object keys currently");
          }
          if (keyResult.issues.length) {
            payload.issues.push({
              code: "invalid_key",
              origin: "record",
              issues: keyResult.issues.map((iss) => finalizeIssue(iss, ctx, config())),
              input: key,
              path: [key],
              inst
            });
            continue;
          }
          const outKey = keyResult.value;
          if (outKey === "__proto__")
            continue;
          const result = def.valueType._zod.run({ value: input[key], issues: [] }, ctx);
          if (result instanceof Promise) {
            proms.push(result.then((result2) => {
              if (result2.issues.length) {
                payload.issues.push(...prefixIssues(key, result2.issues));
              }
              payload.value[outKey] = result2.value;
            }));
          } else {
            if (result.issues.length) {
              payload.issues.push(...prefixIssues(key, result.issues));
            }
            payload.value[outKey] = result.value;
          }
        }
      }
      let unrecognized;
      for (const key in input) {
        if (!recordKeys.has(key)) {
          if (def.mode === "loose") {
            if (key === "__proto__")
              continue;
            payload.value[key] = input[key];
          } else {
            unrecognized = unrecognized ?? [];
            unrecognized.push(key);
          }
        }
      }
      if (unrecognized && unrecognized.length > 0) {
        payload.issues.push({
          code: "unrecognized_keys",
          input,
          inst,
          keys: unrecognized,
          continue: true
        });
      }
    } else {
      payload.value = memo ? memo.alloc(inst, payload, {}, ctx) : {};
      let unrecognized;
      for (const key of Reflect.ownKeys(input)) {
        if (key === "__proto__")
          continue;
        if (!Object.prototype.propertyIsEnumerable.call(input, key))
          continue;
        let keyResult = def.keyType._zod.run({ value: key, issues: [] }, ctx);
        if (keyResult instanceof Promise) {
          throw new Error("Async schemas not supported in object keys currently");
        }
        const checkNumericKey = typeof key === "string" && number.test(key) && keyResult.issues.length;
        if (checkNumericKey) {
          const retryResult = def.keyType._zod.run({ value: Number(key), issues: [] }, ctx);
          if (retryResult instanceof Promise) {
            throw new Error("Async schemas not supported in object keys currently");
          }
          if (retryResult.issues.length === 0) {
            keyResult = retryResult;
          }
        }
        if (keyResult.issues.length) {
          if (def.mode === "loose") {
            payload.value[key] = input[key];
          } else if (values) {
            unrecognized = unrecognized ?? [];
            unrecognized.push(key);
          } else {
            payload.issues.push({
              code: "invalid_key",
              origin: "record",
              issues: keyResult.issues.map((iss) => finalizeIssue(iss, ctx, config())),
              input: key,
              path: [key],
              inst
            });
          }
          continue;
        }
        const outKey = keyResult.value;
        if (outKey === "__proto__")
          continue;
        const result = def.valueType._zod.run({ value: input[key], issues: [] }, ctx);
        if (result instanceof Promise) {
          proms.push(result.then((result2) => {
            if (result2.issues.length) {
              payload.issues.push(...prefixIssues(key, result2.issues));
            }
            payload.value[outKey] = result2.value;
          }));
        } else {
          if (result.issues.length) {
            payload.issues.push(...prefixIssues(key, result.issues));
          }
          payload.value[outKey] = result.value;
        }
      }
      if (unrecognized && unrecognized.length > 0) {
        payload.issues.push({
          code: "unrecognized_keys",
          input,
          inst,
          keys: unrecognized,
          continue: true
        });
      }
    }
    if (proms.length) {
      return Promise.all(proms).then(() => payload);
    }
    return payload;
  };
});
var $ZodEnum = /* @__PURE__ */ $constructor("$ZodEnum", (inst, def) => {
  $ZodType.init(inst, def);
  const values = getEnumValues(def.entries);
  const valuesSet = new Set(values);
  inst._zod.values = valuesSet;
  defineLazyInternal(inst, "pattern", (zod) => {
    const patternValues = getEnumValues(zod.def.entries).filter((k) => propertyKeyTypes.has(typeof k));
    return new RegExp(patternValues.length ? `^(${patternValues.map((o) => escapeRegex(o.toString())).join("|")})$` : "^[^\\s\\S]$");
  });
  inst._zod.parse = (payload, _ctx) => {
    const input = payload.value;
    if (valuesSet.has(input)) {
      return payload;
    }
    payload.issues.push({
      code: "invalid_value",
      values,
      input,
      inst
    });
    return payload;
  };
});
var $ZodLiteral = /* @__PURE__ */ $constructor("$ZodLiteral", (inst, def) => {
  $ZodType.init(inst, def);
  const values = new Set(def.values);
  inst._zod.values = values;
  defineLazyInternal(inst, "pattern", (zod) => {
    const vals = zod.def.values;
    return new RegExp(vals.length ? `^(${vals.map((o) => typeof o === "string" ? escapeRegex(o) : o ? escapeRegex(o.toString()) : String(o)).join("|")})$` : "^[^\\s\\S]$");
  });
  inst._zod.parse = (payload, _ctx) => {
    const input = payload.value;
    if (values.has(input)) {
      return payload;
    }
    payload.issues.push({
      code: "invalid_value",
      values: def.values,
      input,
      inst
    });
    return payload;
  };
});
var $ZodTransform = /* @__PURE__ */ $constructor("$ZodTransform", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.optin = "optional";
  globalConfig.memoizer?.guard(inst);
  inst._zod.parse = (payload, ctx) => {
    if (ctx.direction === "backward") {
      throw new $ZodEncodeError(inst.constructor.name);
    }
    const _out = def.transform(payload.value, payload);
    if (ctx.async) {
      const output = _out instanceof Promise ? _out : Promise.resolve(_out);
      return output.then((output2) => {
        payload.value = output2;
        return payload;
      });
    }
    if (_out instanceof Promise) {
      throw new $ZodAsyncError();
    }
    payload.value = _out;
    return payload;
  };
});
function handleOptionalResult(payload, result) {
  payload.value = result.issues.length ? void 0 : result.value;
  return payload;
}
var $ZodOptional = /* @__PURE__ */ $constructor("$ZodOptional", (inst, def) => {
  $ZodType.init(inst, def);
  defineLazyInternal(inst, "optin", (zod) => zod.def.innerType._zod.optin === "defaulted" ? "defaulted" : "optional");
  inst._zod.optout = "optional";
  defineLazyInternal(inst, "values", (zod) => {
    const values = zod.def.innerType._zod.values;
    return values ? /* @__PURE__ */ new Set([...values, void 0]) : void 0;
  });
  defineLazyInternal(inst, "pattern", (zod) => {
    const pattern = zod.def.innerType._zod.pattern;
    return pattern ? new RegExp(`^(${cleanRegex(pattern.source)})?$`) : void 0;
  });
  inst._zod.parse = (payload, ctx) => {
    if (payload.value === void 0) {
      if (def.innerType._zod.optin !== "defaulted")
        return payload;
      const result = def.innerType._zod.run({ value: payload.value, issues: [] }, ctx);
      if (result instanceof Promise)
        return result.then((result2) => handleOptionalResult(payload, result2));
      return handleOptionalResult(payload, result);
    }
    return def.innerType._zod.run(payload, ctx);
  };
});
var $ZodDefault = /* @__PURE__ */ $constructor("$ZodDefault", (inst, def) => {
  $ZodType.init(inst, def);
  inst._zod.optin = "defaulted";
  defineLazyInternal(inst, "values", (zod) => zod.def.innerType._zod.values);
  inst._zod.parse = (payload, ctx) => {
    if (ctx.direction === "backward") {
      return def.innerType._zod.run(payload, ctx);
    }
    if (payload.value === void 0) {
      payload.value = def.defaultValue;
      return payload;
    }
    const result = def.innerType._zod.run(payload, ctx);
    if (result instanceof Promise) {
      return result.then((result2) => handleDefaultResult(result2, def));
    }
    return handleDefaultResult(result, def);
  };
});
function handleDefaultResult(payload, def) {
  if (payload.value === void 0) {
    payload.value = def.defaultValue;
  }
  return payload;
}
var $ZodPipe = /* @__PURE__ */ $constructor("$ZodPipe", (inst, def) => {
  $ZodType.init(inst, def);
  defineLazyInternal(inst, "values", (zod) => zod.def.in._zod.values);
  defineLazyInternal(inst, "optin", (zod) => zod.def.in._zod.optin);
  defineLazyInternal(inst, "optout", (zod) => zod.def.out._zod.optout);
  defineLazyInternal(inst, "propValues", (zod) => zod.def.in._zod.propValues);
  inst._zod.parse = (payload, ctx) => {
    if (ctx.direction === "backward") {
      const right = def.out._zod.run(payload, ctx);
      if (right instanceof Promise) {
        return right.then((right2) => handlePipeResult(right2, def.in, ctx));
      }
      return handlePipeResult(right, def.in, ctx);
    }
    const left = def.in._zod.run(payload, ctx);
    if (left instanceof Promise) {
      return left.then((left2) => handlePipeResult(left2, def.out, ctx));
    }
    return handlePipeResult(left, def.out, ctx);
  };
});
function handlePipeResult(left, next, ctx) {
  if (left.issues.some((iss) => iss.code !== "unrecognized_keys")) {
    left.aborted = true;
    return left;
  }
  return next._zod.run({ value: left.value, issues: left.issues }, ctx);
}
var $ZodCustom = /* @__PURE__ */ $constructor("$ZodCustom", (inst, def) => {
  $ZodCheck.init(inst, def);
  $ZodType.init(inst, def);
  inst._zod.parse = (payload, _) => {
    return payload;
  };
  inst._zod.check = (payload) => {
    const input = payload.value;
    const r = def.fn(input);
    if (r instanceof Promise) {
      return r.then((r2) => handleRefineResult(r2, payload, input, inst));
    }
    handleRefineResult(r, payload, input, inst);
    return;
  };
});
function handleRefineResult(result, payload, input, inst) {
  if (!result) {
    const _iss = {
      code: "custom",
      input,
      inst,
      // incorporates params.error into issue reporting
      path: [...inst._zod.def.path ?? []],
      // incorporates params.error into issue reporting
      continue: !inst._zod.def.abort
      // params: inst._zod.def.params,
    };
    if (inst._zod.def.params)
      _iss.params = inst._zod.def.params;
    payload.issues.push(issue(_iss));
  }
}

// node_modules/zod/v4/locales/en.js
var error = () => {
  const Sizable = {
    string: { unit: "characters", verb: "to have" },
    file: { unit: "bytes", verb: "to have" },
    array: { unit: "items", verb: "to have" },
    set: { unit: "items", verb: "to have" },
    map: { unit: "entries", verb: "to have" }
  };
  function getSizing(origin) {
    return Sizable[origin] ?? null;
  }
  const FormatDictionary = {
    regex: "input",
    email: "email address",
    url: "URL",
    emoji: "emoji",
    uuid: "UUID",
    uuidv4: "UUIDv4",
    uuidv6: "UUIDv6",
    nanoid: "nanoid",
    guid: "GUID",
    cuid: "cuid",
    cuid2: "cuid2",
    ulid: "ULID",
    xid: "XID",
    ksuid: "KSUID",
    datetime: "ISO datetime",
    date: "ISO date",
    time: "ISO time",
    duration: "ISO duration",
    ipv4: "IPv4 address",
    ipv6: "IPv6 address",
    mac: "MAC address",
    cidrv4: "IPv4 range",
    cidrv6: "IPv6 range",
    base64: "base64-encoded string",
    base64url: "base64url-encoded string",
    json_string: "JSON string",
    e164: "E.164 number",
    currency_code: "currency code",
    credit_card: "credit card number",
    iban: "IBAN",
    jwt: "JWT",
    template_literal: "input"
  };
  const TypeDictionary = {
    // Compatibility: "nan" -> "NaN" for display
    nan: "NaN"
    // All other type names omitted - they fall back to raw values via ?? operator
  };
  function getTypeName(type, input) {
    if (type === "number" && typeof input === "number" && !Number.isFinite(input)) {
      return String(input);
    }
    return TypeDictionary[type] ?? type;
  }
  return (issue2) => {
    switch (issue2.code) {
      case "invalid_type": {
        const expected = getTypeName(issue2.expected);
        const receivedType = parsedType(issue2.input);
        const received = getTypeName(receivedType, issue2.input);
        return `Invalid input: expected ${expected}, received ${received}`;
      }
      case "invalid_value":
        if (issue2.values.length === 1)
          return `Invalid input: expected ${stringifyPrimitive(issue2.values[0])}`;
        return `Invalid option: expected one of ${joinValues(issue2.values, "|")}`;
      case "too_big": {
        const adj = issue2.exact ? "exactly " : issue2.inclusive ? "<=" : "<";
        const sizing = getSizing(issue2.origin);
        if (sizing)
          return `Too big: expected ${issue2.origin ?? "value"} to have ${adj}${issue2.maximum.toString()} ${sizing.unit ?? "elements"}`;
        return `Too big: expected ${issue2.origin ?? "value"} to be ${adj}${issue2.maximum.toString()}`;
      }
      case "too_small": {
        const adj = issue2.exact ? "exactly " : issue2.inclusive ? ">=" : ">";
        const sizing = getSizing(issue2.origin);
        if (sizing) {
          return `Too small: expected ${issue2.origin} to have ${adj}${issue2.minimum.toString()} ${sizing.unit}`;
        }
        return `Too small: expected ${issue2.origin} to be ${adj}${issue2.minimum.toString()}`;
      }
      case "invalid_format": {
        const _issue = issue2;
        if (_issue.format === "starts_with") {
          return `Invalid string: must start with "${_issue.prefix}"`;
        }
        if (_issue.format === "ends_with")
          return `Invalid string: must end with "${_issue.suffix}"`;
        if (_issue.format === "includes")
          return `Invalid string: must include "${_issue.includes}"`;
        if (_issue.format === "regex")
          return `Invalid string: must match pattern ${_issue.pattern}`;
        return `Invalid ${FormatDictionary[_issue.format] ?? issue2.format}`;
      }
      case "not_multiple_of":
        return `Invalid number: must be a multiple of ${issue2.divisor}`;
      case "unrecognized_keys":
        return `Unrecognized key${issue2.keys.length > 1 ? "s" : ""}: ${joinValues(issue2.keys, ", ")}`;
      case "invalid_key":
        return `Invalid key in ${issue2.origin}`;
      case "invalid_union":
        if (issue2.options && Array.isArray(issue2.options) && issue2.options.length > 0) {
          const opts = issue2.options.map((o) => `'${o}'`).join(" | ");
          return `Invalid discriminator value. Expected ${opts}`;
        }
        if (issue2.inclusive === false) {
          return "Invalid input: more than one option matched";
        }
        return "Invalid input";
      case "invalid_element":
        return `Invalid value in ${issue2.origin}`;
      default:
        return `Invalid input`;
    }
  };
};
function en_default() {
  return {
    localeError: error()
  };
}

// node_modules/zod/v4/core/api.js
function snapshotChecks(def) {
  if (def.checks)
    def.checks = [...def.checks];
  return def;
}
// @__NO_SIDE_EFFECTS__
function _string(Class, params) {
  return new Class(snapshotChecks({ type: "string", ...normalizeParams(params) }));
}
// @__NO_SIDE_EFFECTS__
function _number(Class, params) {
  return new Class(snapshotChecks({ type: "number", checks: [], ...normalizeParams(params) }));
}
// @__NO_SIDE_EFFECTS__
function _int(Class, params) {
  return new Class({
    type: "number",
    check: "number_format",
    abort: false,
    format: "safeint",
    ...normalizeParams(params)
  });
}
// @__NO_SIDE_EFFECTS__
function _boolean(Class, params) {
  return new Class({
    type: "boolean",
    ...normalizeParams(params)
  });
}
// @__NO_SIDE_EFFECTS__
function _unknown(Class) {
  return new Class({
    type: "unknown"
  });
}
// @__NO_SIDE_EFFECTS__
function _never(Class, params) {
  return new Class({
    type: "never",
    ...normalizeParams(params)
  });
}
// @__NO_SIDE_EFFECTS__
function _lte(value, params) {
  return new $ZodCheckLessThan({
    check: "less_than",
    ...normalizeParams(params),
    value,
    inclusive: true
  });
}
// @__NO_SIDE_EFFECTS__
function _gt(value, params) {
  return new $ZodCheckGreaterThan({
    check: "greater_than",
    ...normalizeParams(params),
    value,
    inclusive: false
  });
}
// @__NO_SIDE_EFFECTS__
function _gte(value, params) {
  return new $ZodCheckGreaterThan({
    check: "greater_than",
    ...normalizeParams(params),
    value,
    inclusive: true
  });
}
// @__NO_SIDE_EFFECTS__
function _positive(params) {
  return /* @__PURE__ */ _gt(0, params);
}
// @__NO_SIDE_EFFECTS__
function _nonnegative(params) {
  return /* @__PURE__ */ _gte(0, params);
}
// @__NO_SIDE_EFFECTS__
function _custom(Class, fn, _params) {
  const norm = normalizeParams(_params);
  norm.abort ?? (norm.abort = true);
  const schema = new Class({
    type: "custom",
    check: "custom",
    fn,
    ...norm
  });
  return schema;
}

// node_modules/zod/v4/mini/schemas.js
var ZodMiniType = /* @__PURE__ */ $constructor("ZodMiniType", (inst, def) => {
  if (!inst._zod)
    throw new Error("Uninitialized schema in ZodMiniType.");
  $ZodType.init(inst, def);
  inst.def = def;
  inst.type = def.type;
}, {
  // `with` is an alias for `check`: the same function object, not a wrapper.
  get with() {
    return this.check;
  },
  set with(value) {
    own(this, "with", value);
  },
  parse(data, params) {
    return parse(this, data, params, { callee: this.parse });
  },
  parseAsync(data, params) {
    return parseAsync(this, data, params, { callee: this.parseAsync });
  },
  safeParse(data, params) {
    return safeParse(this, data, params);
  },
  safeParseAsync(data, params) {
    return safeParseAsync(this, data, params);
  },
  check(...checks) {
    const def = this.def;
    return this.clone({
      ...def,
      checks: [
        ...def.checks ?? [],
        ...checks.map((ch) => typeof ch === "function" ? { _zod: { check: ch, def: { check: "custom" }, onattach: [] } } : ch)
      ]
    }, { parent: true });
  },
  clone(_def, params) {
    return clone(this, _def, params);
  },
  brand() {
    return this;
  },
  register(reg, meta2) {
    reg.add(this, meta2);
    return this;
  },
  apply(fn, ...args) {
    return args.length === 0 ? fn(this) : fn(this, ...args);
  }
});
var ZodMiniString = /* @__PURE__ */ $constructor("ZodMiniString", (inst, def) => {
  $ZodString.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function string2(params) {
  return _string(ZodMiniString, params);
}
var ZodMiniNumber = /* @__PURE__ */ $constructor("ZodMiniNumber", (inst, def) => {
  $ZodNumber.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function number2(params) {
  return _number(ZodMiniNumber, params);
}
var ZodMiniNumberFormat = /* @__PURE__ */ $constructor("ZodMiniNumberFormat", (inst, def) => {
  $ZodNumberFormat.init(inst, def);
  ZodMiniNumber.init(inst, def);
});
function int(params) {
  return _int(ZodMiniNumberFormat, params);
}
var ZodMiniBoolean = /* @__PURE__ */ $constructor("ZodMiniBoolean", (inst, def) => {
  $ZodBoolean.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function boolean2(params) {
  return _boolean(ZodMiniBoolean, params);
}
var ZodMiniUnknown = /* @__PURE__ */ $constructor("ZodMiniUnknown", (inst, def) => {
  $ZodUnknown.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function unknown() {
  return _unknown(ZodMiniUnknown);
}
var ZodMiniNever = /* @__PURE__ */ $constructor("ZodMiniNever", (inst, def) => {
  $ZodNever.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function never(params) {
  return _never(ZodMiniNever, params);
}
var ZodMiniArray = /* @__PURE__ */ $constructor("ZodMiniArray", (inst, def) => {
  $ZodArray.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function array(element, params) {
  return new ZodMiniArray({
    type: "array",
    element,
    ...normalizeParams(params)
  });
}
var ZodMiniObject = /* @__PURE__ */ $constructor("ZodMiniObject", (inst, def) => {
  $ZodObject.init(inst, def);
  ZodMiniType.init(inst, def);
  installLazyProp(inst, "shape", (self) => self._zod.def.shape, false);
});
// @__NO_SIDE_EFFECTS__
function object(shape, params) {
  const def = {
    type: "object",
    shape: shape ?? {},
    ...normalizeParams(params)
  };
  return new ZodMiniObject(def);
}
// @__NO_SIDE_EFFECTS__
function strictObject(shape, params) {
  return new ZodMiniObject({
    type: "object",
    shape,
    catchall: /* @__PURE__ */ never(),
    ...normalizeParams(params)
  });
}
// @__NO_SIDE_EFFECTS__
function looseObject(shape, params) {
  return new ZodMiniObject({
    type: "object",
    shape,
    catchall: /* @__PURE__ */ unknown(),
    ...normalizeParams(params)
  });
}
var ZodMiniDiscriminatedUnion = /* @__PURE__ */ $constructor("ZodMiniDiscriminatedUnion", (inst, def) => {
  $ZodDiscriminatedUnion.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function discriminatedUnion(discriminator, options, params) {
  return new ZodMiniDiscriminatedUnion({
    type: "union",
    options,
    discriminator,
    ...normalizeParams(params)
  });
}
var ZodMiniTuple = /* @__PURE__ */ $constructor("ZodMiniTuple", (inst, def) => {
  $ZodTuple.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function tuple(items, _paramsOrRest, _params) {
  const hasRest = _paramsOrRest instanceof $ZodType;
  const params = hasRest ? _params : _paramsOrRest;
  const rest = hasRest ? _paramsOrRest : null;
  return new ZodMiniTuple({
    type: "tuple",
    items,
    rest,
    ...normalizeParams(params)
  });
}
var ZodMiniRecord = /* @__PURE__ */ $constructor("ZodMiniRecord", (inst, def) => {
  $ZodRecord.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function record(keyType, valueType, params) {
  if (!valueType || !valueType._zod) {
    return new ZodMiniRecord({
      type: "record",
      keyType: /* @__PURE__ */ string2(),
      valueType: keyType,
      ...normalizeParams(valueType)
    });
  }
  return new ZodMiniRecord({
    type: "record",
    keyType,
    valueType,
    ...normalizeParams(params)
  });
}
var ZodMiniEnum = /* @__PURE__ */ $constructor("ZodMiniEnum", (inst, def) => {
  $ZodEnum.init(inst, def);
  ZodMiniType.init(inst, def);
  inst.options = [...inst._zod.values];
});
// @__NO_SIDE_EFFECTS__
function _enum(values, params) {
  const entries = Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values;
  return new ZodMiniEnum({
    type: "enum",
    entries,
    ...normalizeParams(params)
  });
}
var ZodMiniLiteral = /* @__PURE__ */ $constructor("ZodMiniLiteral", (inst, def) => {
  $ZodLiteral.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function literal(value, params) {
  return new ZodMiniLiteral({
    type: "literal",
    values: Array.isArray(value) ? value : [value],
    ...normalizeParams(params)
  });
}
var ZodMiniTransform = /* @__PURE__ */ $constructor("ZodMiniTransform", (inst, def) => {
  $ZodTransform.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function transform(fn) {
  return new ZodMiniTransform({
    type: "transform",
    transform: fn
  });
}
var ZodMiniOptional = /* @__PURE__ */ $constructor("ZodMiniOptional", (inst, def) => {
  $ZodOptional.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function optional(innerType) {
  return new ZodMiniOptional({
    type: "optional",
    innerType
  });
}
var ZodMiniDefault = /* @__PURE__ */ $constructor("ZodMiniDefault", (inst, def) => {
  $ZodDefault.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function _default(innerType, defaultValue) {
  return new ZodMiniDefault({
    type: "default",
    innerType,
    get defaultValue() {
      return typeof defaultValue === "function" ? defaultValue() : shallowClone(defaultValue);
    }
  });
}
var ZodMiniPipe = /* @__PURE__ */ $constructor("ZodMiniPipe", (inst, def) => {
  $ZodPipe.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function pipe(in_, out) {
  return new ZodMiniPipe({
    type: "pipe",
    in: in_,
    out
  });
}
var ZodMiniCustom = /* @__PURE__ */ $constructor("ZodMiniCustom", (inst, def) => {
  $ZodCustom.init(inst, def);
  ZodMiniType.init(inst, def);
});
// @__NO_SIDE_EFFECTS__
function custom(fn, _params) {
  return _custom(ZodMiniCustom, fn ?? (() => true), _params);
}

// src/util/zod.ts
config(en_default());

// src/util/errors.ts
var UserError = class extends Error {
  /**
   * `argument`: the library argument the message starts with (`model`, `tile`, ...), which the
   * command line words as its flag (cli/main.ts).
   */
  constructor(message, exitCode = 2, argument) {
    super(message);
    this.exitCode = exitCode;
    this.argument = argument;
    this.name = "UserError";
  }
  exitCode;
  argument;
};
function argumentError(argument, value, why) {
  return new UserError(`${argument} ${String(value)}: ${why}`, 2, argument);
}
function checkedLabelMap(labels, width, height, argument = "labels") {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new UserError(`${argument}: the size ${width}x${height} is not a size in pixels`, 2, argument);
  if (!(labels instanceof Uint8Array || labels instanceof Uint8ClampedArray)) throw new UserError(`${argument}: expected a Uint8Array of class ids, one per pixel; got ${labels === null ? "null" : Array.isArray(labels) ? "an Array" : typeof labels === "object" ? labels.constructor?.name ?? "an object" : typeof labels}`, 2, argument);
  if (labels.length !== width * height) throw new UserError(`${argument}: ${labels.length} values for a ${width}x${height} image; expected ${width * height}, one per pixel`, 2, argument);
  return labels instanceof Uint8Array ? labels : new Uint8Array(labels.buffer, labels.byteOffset, labels.length);
}

// src/util/call_options.ts
var fnOption = custom((v) => typeof v === "function", "expected a function");
var signalOption = custom((v) => typeof AbortSignal !== "undefined" && v instanceof AbortSignal, "expected an AbortSignal");
function shown(v, typed) {
  if (v === null) return "null";
  if (Array.isArray(v)) return typed ? "an array" : JSON.stringify(v).slice(0, 40);
  if (typeof v === "string") {
    const t = v.length > 40 ? `${v.slice(0, 37)}...` : v;
    return typed ? JSON.stringify(t) : t;
  }
  if (typeof v === "object") return "an object";
  if (typeof v === "function") return "a function";
  return String(v);
}
function valueAt(root, path) {
  let v = root;
  for (const k of path) v = v == null ? void 0 : v[k];
  return v;
}
function keysAt(shape, path) {
  let at = shape;
  for (const k of path) {
    let s = at?.[String(k)];
    if (s instanceof ZodMiniOptional) s = s.def.innerType;
    at = s instanceof ZodMiniObject ? s.shape : void 0;
  }
  return Object.keys(at ?? {});
}
function wanted(issue2) {
  if (issue2.message && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue2.message)) return issue2.message;
  switch (issue2.code) {
    case "invalid_type":
      return `expected ${issue2.expected === "int" ? "a whole number" : /^[aeiou]/.test(issue2.expected) ? `an ${issue2.expected}` : `a ${issue2.expected}`}`;
    case "invalid_value":
      return `use ${issue2.values.map((v) => String(v)).join(", ")}`;
    case "invalid_union":
      return "not a value this option takes";
    case "too_small":
      return issue2.origin === "array" ? `expected at least ${issue2.minimum} entries` : `expected ${issue2.inclusive ? "at least" : "more than"} ${issue2.minimum}`;
    case "too_big":
      return issue2.origin === "array" ? `expected at most ${issue2.maximum} entries` : `expected ${issue2.inclusive ? "at most" : "less than"} ${issue2.maximum}`;
    default:
      return issue2.message;
  }
}
function checkedOptions(schema, given, call, hints = {}) {
  const value = given ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UserError(`options: ${call} takes an object of options, got ${shown(value, true)}`, 2, "options");
  }
  const r = safeParse(schema, value);
  if (r.success) return value;
  const issue2 = r.error.issues[0];
  if (issue2.code === "unrecognized_keys") {
    const key = issue2.keys[0];
    const at2 = [...issue2.path, key].map(String).join(".");
    const hint = issue2.path.length === 0 && hints[key] ? `; ${hints[key]}` : "";
    const keys = keysAt(schema.shape, issue2.path);
    const under = issue2.path.length ? ` under ${issue2.path.map(String).join(".")}` : "";
    throw new UserError(`${at2} ${shown(valueAt(value, [...issue2.path, key]), false)}: not an option of ${call}${hint || ` (its options${under}: ${keys.join(", ")})`}`, 2, "options");
  }
  const at = issue2.path.map(String).join(".");
  const bad = valueAt(value, issue2.path);
  throw new UserError(`${at} ${shown(bad, issue2.code === "invalid_type")}: ${wanted(issue2)}`, 2, String(issue2.path[0]));
}
var ARG_KINDS = {
  string: [(v) => typeof v === "string" && v.length > 0, "a non-empty string"],
  object: [(v) => typeof v === "object" && v !== null && !Array.isArray(v), "an object"],
  bytes: [(v) => v instanceof Uint8Array, "a Uint8Array (or Buffer)"],
  array: [(v) => Array.isArray(v), "an array"],
  number: [(v) => typeof v === "number" && Number.isFinite(v), "a finite number"],
  function: [(v) => typeof v === "function", "a function"]
};
function expectArgs(fn, args) {
  for (const [name, value, kind] of args) {
    const [ok, what] = ARG_KINDS[kind];
    if (!ok(value)) throw new UserError(`${name}: ${fn}() takes ${what}; got ${shown(value, true)}`, 2, name);
  }
}

// src/data/class_sets.ts
var MAX_CLASSES = 256;
var list = (rows) => rows.map(([name, color]) => ({ name, color }));
var VOC_CLASSES = list([
  ["background", [0, 0, 0]],
  ["aeroplane", [128, 0, 0]],
  ["bicycle", [0, 128, 0]],
  ["bird", [128, 128, 0]],
  ["boat", [0, 0, 128]],
  ["bottle", [128, 0, 128]],
  ["bus", [0, 128, 128]],
  ["car", [128, 128, 128]],
  ["cat", [64, 0, 0]],
  ["chair", [192, 0, 0]],
  ["cow", [64, 128, 0]],
  ["diningtable", [192, 128, 0]],
  ["dog", [64, 0, 128]],
  ["horse", [192, 0, 128]],
  ["motorbike", [64, 128, 128]],
  ["person", [192, 128, 128]],
  ["pottedplant", [0, 64, 0]],
  ["sheep", [128, 64, 0]],
  ["sofa", [0, 192, 0]],
  ["train", [128, 192, 0]],
  ["tvmonitor", [0, 64, 128]]
]);
var CITYSCAPES_CLASSES = list([
  ["road", [128, 64, 128]],
  ["sidewalk", [244, 35, 232]],
  ["building", [70, 70, 70]],
  ["wall", [102, 102, 156]],
  ["fence", [190, 153, 153]],
  ["pole", [153, 153, 153]],
  ["traffic light", [250, 170, 30]],
  ["traffic sign", [220, 220, 0]],
  ["vegetation", [107, 142, 35]],
  ["terrain", [152, 251, 152]],
  ["sky", [70, 130, 180]],
  ["person", [220, 20, 60]],
  ["rider", [255, 0, 0]],
  ["car", [0, 0, 142]],
  ["truck", [0, 0, 70]],
  ["bus", [0, 60, 100]],
  ["train", [0, 80, 100]],
  ["motorcycle", [0, 0, 230]],
  ["bicycle", [119, 11, 32]]
]);
var ADE20K_CLASSES = list([
  ["wall", [120, 120, 120]],
  ["building", [180, 120, 120]],
  ["sky", [6, 230, 230]],
  ["floor", [80, 50, 50]],
  ["tree", [4, 200, 3]],
  ["ceiling", [120, 120, 80]],
  ["road", [140, 140, 140]],
  ["bed", [204, 5, 255]],
  ["windowpane", [230, 230, 230]],
  ["grass", [4, 250, 7]],
  ["cabinet", [224, 5, 255]],
  ["sidewalk", [235, 255, 7]],
  ["person", [150, 5, 61]],
  ["earth", [120, 120, 70]],
  ["door", [8, 255, 51]],
  ["table", [255, 6, 82]],
  ["mountain", [143, 255, 140]],
  ["plant", [204, 255, 4]],
  ["curtain", [255, 51, 7]],
  ["chair", [204, 70, 3]],
  ["car", [0, 102, 200]],
  ["water", [61, 230, 250]],
  ["painting", [255, 6, 51]],
  ["sofa", [11, 102, 255]],
  ["shelf", [255, 7, 71]],
  ["house", [255, 9, 224]],
  ["sea", [9, 7, 230]],
  ["mirror", [220, 220, 220]],
  ["rug", [255, 9, 92]],
  ["field", [112, 9, 255]],
  ["armchair", [8, 255, 214]],
  ["seat", [7, 255, 224]],
  ["fence", [255, 184, 6]],
  ["desk", [10, 255, 71]],
  ["rock", [255, 41, 10]],
  ["wardrobe", [7, 255, 255]],
  ["lamp", [224, 255, 8]],
  ["bathtub", [102, 8, 255]],
  ["railing", [255, 61, 6]],
  ["cushion", [255, 194, 7]],
  ["base", [255, 122, 8]],
  ["box", [0, 255, 20]],
  ["column", [255, 8, 41]],
  ["signboard", [255, 5, 153]],
  ["chest of drawers", [6, 51, 255]],
  ["counter", [235, 12, 255]],
  ["sand", [160, 150, 20]],
  ["sink", [0, 163, 255]],
  ["skyscraper", [140, 140, 140]],
  ["fireplace", [250, 10, 15]],
  ["refrigerator", [20, 255, 0]],
  ["grandstand", [31, 255, 0]],
  ["path", [255, 31, 0]],
  ["stairs", [255, 224, 0]],
  ["runway", [153, 255, 0]],
  ["case", [0, 0, 255]],
  ["pool table", [255, 71, 0]],
  ["pillow", [0, 235, 255]],
  ["screen door", [0, 173, 255]],
  ["stairway", [31, 0, 255]],
  ["river", [11, 200, 200]],
  ["bridge", [255, 82, 0]],
  ["bookcase", [0, 255, 245]],
  ["blind", [0, 61, 255]],
  ["coffee table", [0, 255, 112]],
  ["toilet", [0, 255, 133]],
  ["flower", [255, 0, 0]],
  ["book", [255, 163, 0]],
  ["hill", [255, 102, 0]],
  ["bench", [194, 255, 0]],
  ["countertop", [0, 143, 255]],
  ["stove", [51, 255, 0]],
  ["palm", [0, 82, 255]],
  ["kitchen island", [0, 255, 41]],
  ["computer", [0, 255, 173]],
  ["swivel chair", [10, 0, 255]],
  ["boat", [173, 255, 0]],
  ["bar", [0, 255, 153]],
  ["arcade machine", [255, 92, 0]],
  ["hovel", [255, 0, 255]],
  ["bus", [255, 0, 245]],
  ["towel", [255, 0, 102]],
  ["light", [255, 173, 0]],
  ["truck", [255, 0, 20]],
  ["tower", [255, 184, 184]],
  ["chandelier", [0, 31, 255]],
  ["awning", [0, 255, 61]],
  ["streetlight", [0, 71, 255]],
  ["booth", [255, 0, 204]],
  ["television receiver", [0, 255, 194]],
  ["airplane", [0, 255, 82]],
  ["dirt track", [0, 10, 255]],
  ["apparel", [0, 112, 255]],
  ["pole", [51, 0, 255]],
  ["land", [0, 194, 255]],
  ["bannister", [0, 122, 255]],
  ["escalator", [0, 255, 163]],
  ["ottoman", [255, 153, 0]],
  ["bottle", [0, 255, 10]],
  ["buffet", [255, 112, 0]],
  ["poster", [143, 255, 0]],
  ["stage", [82, 0, 255]],
  ["van", [163, 255, 0]],
  ["ship", [255, 235, 0]],
  ["fountain", [8, 184, 170]],
  ["conveyer belt", [133, 0, 255]],
  ["canopy", [0, 255, 92]],
  ["washer", [184, 0, 255]],
  ["plaything", [255, 0, 31]],
  ["swimming pool", [0, 184, 255]],
  ["stool", [0, 214, 255]],
  ["barrel", [255, 0, 112]],
  ["basket", [92, 255, 0]],
  ["waterfall", [0, 224, 255]],
  ["tent", [112, 224, 255]],
  ["bag", [70, 184, 160]],
  ["minibike", [163, 0, 255]],
  ["cradle", [153, 0, 255]],
  ["oven", [71, 255, 0]],
  ["ball", [255, 0, 163]],
  ["food", [255, 204, 0]],
  ["step", [255, 0, 143]],
  ["tank", [0, 255, 235]],
  ["trade name", [133, 255, 0]],
  ["microwave", [255, 0, 235]],
  ["pot", [245, 0, 255]],
  ["animal", [255, 0, 122]],
  ["bicycle", [255, 245, 0]],
  ["lake", [10, 190, 212]],
  ["dishwasher", [214, 255, 0]],
  ["screen", [0, 204, 255]],
  ["blanket", [20, 0, 255]],
  ["sculpture", [255, 255, 0]],
  ["hood", [0, 153, 255]],
  ["sconce", [0, 41, 255]],
  ["vase", [0, 255, 204]],
  ["traffic light", [41, 0, 255]],
  ["tray", [41, 255, 0]],
  ["ashcan", [173, 0, 255]],
  ["fan", [0, 245, 255]],
  ["pier", [71, 0, 255]],
  ["crt screen", [122, 0, 255]],
  ["plate", [0, 255, 184]],
  ["monitor", [0, 92, 255]],
  ["bulletin board", [184, 255, 0]],
  ["shower", [0, 133, 255]],
  ["radiator", [255, 214, 0]],
  ["glass", [25, 194, 194]],
  ["clock", [102, 255, 0]],
  ["flag", [92, 0, 255]]
]);
var CAMVID_CLASSES = [
  ["Sky", [128, 128, 128]],
  ["Building", [128, 0, 0]],
  ["Pole", [192, 192, 128]],
  ["Road", [128, 64, 128]],
  ["Pavement", [60, 40, 222]],
  ["Tree", [128, 128, 0]],
  ["SignSymbol", [192, 128, 128]],
  ["Fence", [64, 64, 128]],
  ["Car", [64, 0, 128]],
  ["Pedestrian", [64, 64, 0]],
  ["Bicyclist", [0, 128, 192]],
  ["Unlabelled", [0, 0, 0]]
].map(([name, color]) => ({ name, color }));

// src/models/card.ts
var posInt = int().check(_positive());
var hw = tuple([posInt, posInt]);
var triple = tuple([number2(), number2(), number2()]);
var RESIZE_FILTERS = ["pillow", "sharp", "pillow-bicubic", "opencv-linear"];
var resizeFilterSchema = _enum(RESIZE_FILTERS);
var inputRuleSchema = discriminatedUnion("kind", [
  object({ kind: literal("native") }),
  object({ kind: literal("fixed"), size: hw, filter: resizeFilterSchema }),
  object({ kind: literal("multiple"), multiple: posInt, filter: resizeFilterSchema })
]);
var normalizationSchema = object({ mean: array(number2()), std: array(number2().check(_positive())), channelOrder: optional(_enum(["RGB", "BGR"])) });
var cardInputSchema = object({
  rule: inputRuleSchema,
  /** Bands per pixel the network takes: 3 = RGB; 1 = grey; more: e.g. RGB + near-infrared. */
  channels: posInt,
  /** The images' samples: 8-bit (default), 16-bit or float. */
  sampleType: optional(_enum(["uint8", "uint16", "float32"])),
  normalization: normalizationSchema,
  /** Input height and width are padded (zeros after normalisation) to multiples of this. */
  stride: posInt
});
var cardOutputSchema = object({
  kind: _enum(["logits", "probabilities", "labels"]),
  resizeBack: _enum(["scores", "labels"]),
  /**
   * How a label map goes back by nearest neighbour: Pillow's NEAREST (pixel centres; the default)
   * or OpenCV's INTER_NEAREST (floor(x * in / out): image-segmentation-keras's `predict`).
   */
  nearest: optional(_enum(["pillow", "opencv"])),
  /**
   * The network's scores come at 1 / scale of its input on each side (default 1; a fixed input
   * size that scale divides): they go from there to the image's size in one resize, as
   * transformers' post-processing takes a SegFormer's quarter-size logits.
   */
  scale: optional(posInt)
});
var classSchema = object({ name: string2(), color: triple });
var cardSchema = object({
  format: literal("pixelwise-model"),
  version: literal(2),
  // The architecture's own options are checked when the network is built (registry.ts).
  model: pipe(looseObject({ arch: string2(), numClasses: posInt.check(_lte(MAX_CLASSES, `at most ${MAX_CLASSES} (label maps hold one byte a pixel)`)) }), transform((m) => m)),
  classes: array(classSchema),
  input: cardInputSchema,
  output: cardOutputSchema,
  ignoreIndex: optional(int()),
  /** The safetensors weights (TF.js); '' for a model that is an ONNX file only. */
  weights: _default(string2(), ""),
  /** Learned parameters (no BatchNorm statistics), as papers count them. */
  parameters: optional(int().check(_nonnegative())),
  /** An ONNX file of the network, run with ONNX Runtime. */
  onnx: optional(string2()),
  /**
   * int8: the network computes on 8-bit grids (an 8-bit graph, its activations rounded to 8 bits):
   * runtimes whose integer kernels round otherwise can move labels by whole grid steps. Absent: float.
   */
  precision: optional(_enum(["float32", "int8"])),
  /**
   * An 8-bit version of this float network (`pixelwise quantize`), run when asked for (precision
   * int8): its ONNX file, how it was made, and how often its labels are the float network's.
   */
  int8: optional(object({
    onnx: string2(),
    /** Static QDQ: int8 weights per output channel, uint8 activations from calibrated ranges. */
    method: string2(),
    calibrationImages: posInt,
    /** Convolutions on 8 bits, of the graph's. */
    quantized: int().check(_nonnegative()),
    convolutions: int().check(_nonnegative()),
    /** Convolutions (ONNX node names) left in float: asked for, or found by the sensitivity pass. */
    keptFloat: array(string2()),
    /** Share of pixels whose label is the float network's, on the check images (held apart from calibration). */
    agreement: number2().check(_gte(0), _lte(1)),
    checkImages: int().check(_nonnegative()),
    /** Median ms per check image end to end, float and 8-bit, measured when quantising (that machine, those threads). */
    speed: optional(object({ floatMs: number2().check(_positive()), int8Ms: number2().check(_positive()), threads: posInt })),
    /** The 8-bit graph's scores on labelled images (`evaluate --precision int8 --record`), as the card's own `evaluation`. */
    evaluation: optional(record(string2(), unknown()))
  })),
  /**
   * The same network as other ONNX files at other fixed input sizes [h, w] (MediaPipe's selfie
   * model: general 256x256, landscape 144x256): each image goes to the one whose aspect ratio is
   * nearest its own (the card's own `onnx` and size included).
   */
  variants: optional(array(object({ onnx: string2(), size: hw }))),
  /**
   * Softmax temperature fitted by `pixelwise calibrate` (log-loss on held-apart labelled images):
   * every probability is softmax(scores / temperature). Label maps do not change (argmax of
   * scores / t, t > 0, is the argmax of the scores).
   */
  temperature: optional(number2().check(_positive())),
  licence: optional(string2()),
  source: optional(string2()),
  notes: optional(string2()),
  /** How the package was made: source file, its sha256, the pixelwise command. */
  provenance: optional(object({ file: string2(), sha256: string2(), command: string2() })),
  /** Published scores of these weights, with where they were published. */
  scores: optional(array(object({ metric: string2(), value: number2(), dataset: string2(), source: string2() }))),
  /** A model trained by pixelwise: how (see package_run.ts)... */
  training: optional(record(string2(), unknown())),
  /** ... and how good it is on its validation split (mIoU, pixel accuracy, IoU per class). */
  evaluation: optional(record(string2(), unknown()))
});
function migrateCard(raw, strideOf) {
  if (!raw || typeof raw !== "object") return raw;
  const c = raw;
  if (c.version !== 1) return raw;
  const { normalization, resize, pillowResize, version: _v, model, ...rest } = c;
  const { stride, ...spec } = model ?? {};
  const rule = pillowResize?.size ? { kind: "fixed", size: pillowResize.size, filter: "pillow" } : pillowResize ? { kind: "multiple", multiple: pillowResize.multiple ?? 1, filter: "pillow" } : resize ? { kind: "fixed", size: resize, filter: "sharp" } : { kind: "native" };
  return {
    ...rest,
    version: 2,
    model: model ? spec : model,
    input: { rule, channels: 3, normalization, stride: stride ?? (model ? strideOf(model) : void 0) },
    // Version 1 sent Pillow-resized label maps back by Pillow NEAREST, sharp-resized scores bilinearly.
    output: { kind: "logits", resizeBack: pillowResize ? "labels" : "scores" }
  };
}
function parseCard(raw, strideOf) {
  const r = cardSchema.safeParse(migrateCard(raw, strideOf));
  if (!r.success) {
    const i = r.error.issues[0];
    return { error: i.path.length ? `invalid model card at "${i.path.join(".")}": ${i.message}` : `invalid model card: ${i.message}` };
  }
  const card = r.data;
  if (card.classes.length !== card.model.numClasses) return { error: `${card.classes.length} classes listed but the model has ${card.model.numClasses} outputs` };
  const bands = bandsError(card.input, card.model) ?? scaleError(card);
  return bands ? { error: bands } : { card };
}
function scaleError(card) {
  const s = card.output.scale ?? 1, rule = card.input.rule;
  if (s === 1) return null;
  if (card.output.kind === "labels") return "invalid model card at output.scale: a label map comes at the input's size";
  if (rule.kind !== "fixed" || rule.size.some((v) => v % s) || card.input.stride !== 1) return `invalid model card at output.scale: ${s} needs a fixed input size whose sides it divides (input.rule) and input.stride 1`;
  return null;
}
function bandsError(input, model) {
  const c = input.channels, n = input.normalization;
  if (n.mean.length !== c || n.std.length !== c) return `invalid model card at input.normalization: ${n.mean.length} means and ${n.std.length} stds for ${c} bands (input.channels)`;
  if ((model.inChannels ?? 3) !== c) return `invalid model card at input.channels: ${c} bands but the network takes ${model.inChannels ?? 3} (model.inChannels)`;
  if (n.channelOrder === "BGR" && c !== 3) return "invalid model card at input.normalization.channelOrder: BGR needs 3 bands";
  return null;
}
function withFixedInput(card, size) {
  const s = card.output.scale ?? 1;
  if (size.some((v) => v % s)) throw argumentError("inputSize", size.join("x"), `this model's scores come at 1/${s} of its input: give sides that are multiples of ${s} (e.g. ${size.map((v) => Math.max(s, Math.round(v / s) * s)).join("x")})`);
  const own2 = card.input.rule;
  const rule = { kind: "fixed", size, filter: own2.kind !== "native" && own2.filter !== "sharp" ? own2.filter : "pillow" };
  return { ...card, input: { ...card.input, rule }, output: { ...card.output, resizeBack: s > 1 ? card.output.resizeBack : "labels" } };
}
function variantCards(card) {
  const rule = card.input.rule;
  if (!card.variants?.length || rule.kind !== "fixed") return [card];
  const { variants, ...base } = card;
  return [base, ...variants.map((v) => ({ ...base, onnx: v.onnx, weights: "", input: { ...card.input, rule: { ...rule, size: v.size } } }))];
}

// src/inference/simd/argmax_wasm.ts
var wasmBase64 = "AGFzbQEAAAABCQFgBX9/f39/AAMCAQAFAwEAAQcTAgZtZW1vcnkCAAZhcmdtYXgAAArpAgHmAgIDfwt7AkADQCAFIAJPDQEgACAFQQJ0aiEHIAf9AAQAIQggB/0ABBAhCSAH/QAEICEKIAf9AAQwIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACEN/QwAAAAAAAAAAAAAAAAAAAAAIQ79DAAAAAAAAAAAAAAAAAAAAAAhD0EBIQYCQANAIAYgA08NASAHIAFqIQcgBv0RIRIgB/0ABAAhECAQIAj9RCERIBAgCCAR/VIhCCASIAwgEf1SIQwgB/0ABBAhECAQIAn9RCERIBAgCSAR/VIhCSASIA0gEf1SIQ0gB/0ABCAhECAQIAr9RCERIBAgCiAR/VIhCiASIA4gEf1SIQ4gB/0ABDAhECAQIAv9RCERIBAgCyAR/VIhCyASIA8gEf1SIQ8gBkEBaiEGDAALCyAEIAVqIAwgDf2GASAOIA/9hgH9Zv0LBAAgBUEQaiEFDAALCws=";

// src/util/wasm_module.ts
function compileWasm(base64) {
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}
function lazyModule(base64) {
  let exports;
  return {
    get() {
      if (exports === void 0) {
        const mod = compileWasm(base64);
        exports = mod ? new WebAssembly.Instance(mod).exports : null;
      }
      return exports;
    }
  };
}
var MAX_MODULE_BYTES = 64 << 20;
function reserve(k, bytes) {
  if (bytes > MAX_MODULE_BYTES) return false;
  const pages = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
  if (pages > 0) k.memory.grow(pages);
  return true;
}
function layout(sizes) {
  const at = [];
  let end = 0;
  for (const n of sizes) {
    at.push(end);
    end += (n + 15 & ~15) + 16;
  }
  return { at, end };
}

// src/inference/simd/argmax.ts
var kernels = lazyModule(wasmBase64);
var STRIP_BYTES = 1 << 20;
function simdArgmax(scores, i, C, ph, pw, w, h) {
  if (C < 1 || C > 256) return null;
  const k = kernels.get();
  if (!k) return null;
  const [rowLen, rowCount, keep] = w === pw ? [1, w * h, 1] : [pw, h, w];
  const rows = Math.max(1, Math.min(rowCount, Math.floor(STRIP_BYTES / (C * rowLen * 4))));
  const stride = rows * rowLen + 15 & ~15;
  const { at: [planesAt, outAt], end } = layout([C * stride * 4, stride]);
  if (!reserve(k, end)) return null;
  const heap = new Float32Array(k.memory.buffer), bytes = new Uint8Array(k.memory.buffer);
  const out = new Uint8Array(w * h), plane = ph * pw;
  for (let y0 = 0; y0 < rowCount; y0 += rows) {
    const r = Math.min(rows, rowCount - y0), n = r * rowLen + 15 & ~15;
    for (let c = 0; c < C; c++) {
      const from = (i * C + c) * plane + y0 * rowLen;
      heap.set(scores.subarray(from, from + r * rowLen), planesAt / 4 + c * stride);
    }
    k.argmax(planesAt, stride * 4, n, C, outAt);
    if (keep === rowLen) out.set(bytes.subarray(outAt, outAt + r * rowLen), y0 * rowLen);
    else for (let y = 0; y < r; y++) out.set(bytes.subarray(outAt + y * rowLen, outAt + y * rowLen + keep), (y0 + y) * keep);
  }
  return out;
}

// src/inference/simd/softmax_wasm.ts
var wasmBase642 = "AGFzbQEAAAABCgFgBn9/f39/fwADAgEABQMBAAEHFQIGbWVtb3J5AgAIc29mdG1heDgAAAqPBgGMBgIEfwp7AkADQCAGIAJPDQEgACAGQQJ0aiEIIAj9AAQAIQpBASEHAkADQCAHIANPDQEgCCABaiEIIAj9AAQAIQsgCyAK/UQhESALIAogEf1SIQogB0EBaiEHDAALCyAAIAZBAnRqIQj9DAAAAAAAAAAAAAAAAAAAAAAhEkEAIQcCQANAIAcgA08NASAI/QAEACAK/eUBIQwgDP0MmpmuwpqZrsKama7Cmpmuwv3rASEMIAz9DDuquD87qrg/O6q4PzuquD/95gH9DAAAQEsAAEBLAABASwAAQEv95AEhDyAP/QwAAEBLAABASwAAQEsAAEBL/eUBIQ4gDCAO/QwAgDE/AIAxPwCAMT8AgDE//eYB/eUBIRAgECAO/QyDgF65g4BeuYOAXrmDgF65/eYB/eUBIRD9DGdpUDlnaVA5Z2lQOWdpUDkhDSANIBD95gH9DM5DtzrOQ7c6zkO3Os5Dtzr95AEhDSANIBD95gH9DAiJCDwIiQg8CIkIPAiJCDz95AEhDSANIBD95gH9DMGpKj3BqSo9wakqPcGpKj395AEhDSANIBD95gH9DKqqKj6qqio+qqoqPqqqKj795AEhDSANIBD95gH9DAAAAD8AAAA/AAAAPwAAAD/95AEhDSANIBAgEP3mAf3mASAQ/eQB/QwAAIA/AACAPwAAgD8AAIA//eQBIQ0gDSAP/Qx/AAAAfwAAAH8AAAB/AAAA/a4BQRf9qwH95gEhDSAIIA39CwQAIBIgDf3kASESIAggAWohCCAHQQFqIQcMAAsL/QwAAH9DAAB/QwAAf0MAAH9DIBL95wEhEyAAIAZBAnRqIQggBCAGaiEJQQAhBwJAA0AgByADTw0BIAj9AAQAIBP95gH9DAAAAD8AAAA/AAAAPwAAAD/95AH9aP0MAAAASwAAAEsAAABLAAAAS/3kAf0M/wAAAP8AAAD/AAAA/wAAAP1OIQsgCyAL/YUBIAv9ZiELIAkgC/1aAgAAIAggAWohCCAJIAVqIQkgB0EBaiEHDAALCyAGQQRqIQYMAAsLCw==";

// src/inference/simd/softmax.ts
var kernels2 = lazyModule(wasmBase642);
var STRIP_BYTES2 = 1 << 19;
function simdProbabilities8(map, C) {
  const k = C >= 1 ? kernels2.get() : null;
  if (!k) return null;
  const px = map.length / C;
  const pixels = Math.max(4, Math.min(px + 3 & ~3, Math.floor(STRIP_BYTES2 / (C * 16)) * 4));
  const { at: [planesAt, outAt], end } = layout([C * pixels * 4, C * pixels]);
  if (!reserve(k, end)) return null;
  const heap = new Float32Array(k.memory.buffer), bytes = new Uint8Array(k.memory.buffer);
  const out = new Uint8Array(map.length);
  for (let p0 = 0; p0 < px; p0 += pixels) {
    const n = Math.min(pixels, px - p0);
    for (let c = 0; c < C; c++) heap.set(map.subarray(c * px + p0, c * px + p0 + n), planesAt / 4 + c * pixels);
    k.softmax8(planesAt, pixels * 4, n + 3 & ~3, C, outAt, pixels);
    for (let c = 0; c < C; c++) out.set(bytes.subarray(outAt + c * pixels, outAt + c * pixels + n), c * px + p0);
  }
  return out;
}

// src/inference/label_map.ts
function argmaxPadded(logits, i, C, ph, pw, w, h, opts = {}) {
  if (opts.simd !== false) {
    const labels = simdArgmax(logits, i, C, ph, pw, w, h);
    if (labels) return labels;
  }
  const out = new Uint8Array(w * h), best = new Float32Array(w * h), plane = ph * pw;
  for (let k = 0; k < C; k++) {
    const base = (i * C + k) * plane;
    for (let y = 0; y < h; y++) {
      const row = base + y * pw, o = y * w;
      for (let x = 0; x < w; x++) {
        const v = logits[row + x];
        if (k === 0 || v > best[o + x]) {
          best[o + x] = v;
          out[o + x] = k;
        }
      }
    }
  }
  return out;
}
function argmaxChw(map, c, opts = {}) {
  if (opts.simd !== false) {
    const px2 = map.length / c, labels = simdArgmax(map, 0, c, 1, px2, px2, 1);
    if (labels) return labels;
  }
  const px = map.length / c, out = new Uint8Array(px);
  const best = map.slice(0, px);
  for (let k = 1; k < c; k++) {
    const plane = map.subarray(k * px, (k + 1) * px);
    for (let p = 0; p < px; p++) if (plane[p] > best[p]) {
      best[p] = plane[p];
      out[p] = k;
    }
  }
  return out;
}
function thresholdChw(map, c, t) {
  const px = map.length / c, out = argmaxChw(map, c);
  const k = t.classId;
  for (let p = 0; p < px; p++) {
    const lk = map[k * px + p];
    let z = 0, best = -Infinity, arg = 0;
    for (let j = 0; j < c; j++) {
      const v = map[j * px + p];
      z += Math.exp(v - lk);
      if (j !== k && v > best) {
        best = v;
        arg = j;
      }
    }
    out[p] = 1 / z >= t.prob ? k : arg;
  }
  return out;
}
function labelsFromScores(map, c, threshold) {
  return threshold ? thresholdChw(map, c, threshold) : argmaxChw(map, c);
}
function probabilities8(map, c, opts = {}) {
  const simd = opts.simd !== false ? simdProbabilities8(map, c) : null;
  if (simd) return simd;
  const px = map.length / c, out = new Uint8Array(map.length);
  const chunk = 4096;
  const max = new Float32Array(chunk), z = new Float32Array(chunk), e = new Float64Array(c * chunk);
  for (let p0 = 0; p0 < px; p0 += chunk) {
    const n = Math.min(chunk, px - p0);
    max.set(map.subarray(p0, p0 + n));
    for (let k = 1; k < c; k++) for (let i = 0, q = k * px + p0; i < n; i++, q++) if (map[q] > max[i]) max[i] = map[q];
    z.fill(0);
    for (let k = 0; k < c; k++) {
      for (let i = 0, q = k * px + p0, j = k * chunk; i < n; i++, q++, j++) {
        e[j] = Math.exp(map[q] - max[i]);
        z[i] += e[j];
      }
    }
    for (let k = 0; k < c; k++) for (let i = 0, j = k * chunk, q = k * px + p0; i < n; i++, j++, q++) out[q] = Math.round(255 * e[j] / z[i]);
  }
  return out;
}
function probabilityOf(prob8, c, ids) {
  const px = prob8.length / c, out = new Float32Array(px);
  for (const k of ids) for (let p = 0; p < px; p++) out[p] += prob8[k * px + p];
  for (let p = 0; p < px; p++) out[p] = Math.min(1, out[p] / 255);
  return out;
}
function confidenceMasks(prob8, c) {
  const px = prob8.length / c;
  return Array.from({ length: c }, (_, k) => Float32Array.from(prob8.subarray(k * px, (k + 1) * px), (v) => v / 255));
}
function classIds(classes, wanted2, what) {
  if (!Array.isArray(wanted2)) throw new UserError(`${what} ${String(wanted2)}: expected a list of class names or ids, e.g. [${JSON.stringify(String(wanted2))}]`);
  return wanted2.map((w) => {
    const byName = classes.findIndex((c) => c.name === String(w));
    const id = byName >= 0 ? byName : /^\d+$/.test(String(w)) ? Number(w) : -1;
    if (id < 0 || id >= classes.length) throw new UserError(`${what} ${w}: no such class in this model (classes: ${classes.map((c) => c.name).join(", ")})`);
    return id;
  });
}
function classHistogram(labels, numClasses) {
  const h = new Array(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] < numClasses) h[labels[i]]++;
  return h;
}
function classAreas(labels, classes) {
  expectArgs("classAreas", [["classes", classes, "array"]]);
  return classHistogram(labels, classes.length).map((pixels, id) => ({ id, name: classes[id].name, pixels, share: pixels / Math.max(1, labels.length) })).filter((a) => a.pixels > 0).sort((a, b) => b.pixels - a.pixels || a.id - b.id);
}

// src/formats/onnx_view.ts
var MODEL = { graph: 7, opsetImport: 8 };
var OPSET = { domain: 1, version: 2 };
var GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 };
var NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 };
var ATTR = { name: 1, i: 3, s: 4, g: 6, graphs: 11 };
var TENSOR_NAME = 8;
var VALUE = { name: 1, type: 2 };
var TYPE_TENSOR = 1;
var TENSOR_TYPE = { elemType: 1, shape: 2 };
var SHAPE_DIM = 1;
var DIM = { value: 1, param: 2 };
var LEN = 2;
var Reader = class {
  constructor(buf) {
    this.buf = buf;
  }
  buf;
  pos = 0;
  get len() {
    return this.buf.length;
  }
  byte() {
    if (this.pos >= this.buf.length) throw new RangeError("truncated protobuf message");
    return this.buf[this.pos++];
  }
  /** A varint of at most 32 bits (tags, lengths). */
  uint32() {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      v += (b & 127) * 2 ** shift;
      if (!(b & 128)) {
        if (v > 4294967295) break;
        return v;
      }
    }
    throw new RangeError("protobuf varint too long for a length or tag");
  }
  /** An int64 varint as a number (exact up to 2^53; negative values take ten bytes). */
  int64() {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      v |= BigInt(b & 127) << shift;
      if (!(b & 128)) return Number(BigInt.asIntN(64, v));
    }
    throw new RangeError("protobuf varint longer than ten bytes");
  }
  bytes() {
    const n = this.uint32(), start = this.pos;
    if (start + n > this.buf.length) throw new RangeError("truncated protobuf message");
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }
  string() {
    return new TextDecoder().decode(this.bytes());
  }
  skip(wireType) {
    if (wireType === 0) this.int64();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1 || wireType === 5) {
      this.pos += wireType === 1 ? 8 : 4;
      if (this.pos > this.buf.length) throw new RangeError("truncated protobuf message");
    } else throw new RangeError(`protobuf wire type ${wireType} (groups or not protobuf)`);
  }
};
function eachField(bytes, f) {
  const r = new Reader(bytes);
  while (r.pos < r.len) {
    const start = r.pos, tag = r.uint32(), no = tag >>> 3, wt = tag & 7;
    const at = r.pos;
    f(no, r, wt, start);
    if (r.pos === at) r.skip(wt);
  }
}
var sub = (r) => r.bytes();
var text = (r) => r.string();
var int64 = (r) => r.int64();
function restOf(bytes, known) {
  const rest = [];
  eachField(bytes, (no, r, wt, start) => {
    if (known.has(no)) return;
    r.skip(wt);
    rest.push({ no, bytes: bytes.subarray(start, r.pos) });
  });
  return rest;
}
function fixedInputSize(bytes) {
  try {
    const g = readModel(bytes).graph, weights = new Set(g.initializer.map((t) => t.name));
    const d = g.input.find((v) => !weights.has(v.name))?.dims;
    return d?.length === 4 && typeof d[2] === "number" && typeof d[3] === "number" && d[2] > 0 && d[3] > 0 ? [d[2], d[3]] : null;
  } catch {
    return null;
  }
}
function readModel(bytes) {
  const opset = /* @__PURE__ */ new Map();
  let graph = null;
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === MODEL.graph) graph = readGraph(sub(r));
    else if (no === MODEL.opsetImport) {
      let domain = "", version2 = 0;
      eachField(sub(r), (n, q, w) => {
        if (n === OPSET.domain && w === LEN) domain = text(q);
        else if (n === OPSET.version && w === 0) version2 = int64(q);
      });
      opset.set(domain === "ai.onnx" ? "" : domain, version2);
    }
  });
  if (!graph) throw new Error("not an ONNX model (no graph)");
  return { opset, graph, rest: restOf(bytes, /* @__PURE__ */ new Set([MODEL.graph])) };
}
function readGraph(bytes) {
  const g = { node: [], initializer: [], input: [], output: [], valueInfo: [], rest: [] };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === GRAPH.node) g.node.push(readNode(sub(r)));
    else if (no === GRAPH.initializer) {
      const b = sub(r);
      let name = "";
      eachField(b, (n, q, w) => {
        if (n === TENSOR_NAME && w === LEN) name = text(q);
      });
      g.initializer.push({ name, bytes: b });
    } else if (no === GRAPH.input) g.input.push(readValue(sub(r)));
    else if (no === GRAPH.output) g.output.push(readValue(sub(r)));
    else if (no === GRAPH.valueInfo) g.valueInfo.push(readValue(sub(r)));
  });
  g.rest = restOf(bytes, new Set(Object.values(GRAPH)));
  return g;
}
function readNode(bytes) {
  const n = { opType: "", domain: "", name: "", input: [], output: [], attribute: [], bytes };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === NODE.input) n.input.push(text(r));
    else if (no === NODE.output) n.output.push(text(r));
    else if (no === NODE.name) n.name = text(r);
    else if (no === NODE.opType) n.opType = text(r);
    else if (no === NODE.domain) n.domain = text(r);
    else if (no === NODE.attribute) n.attribute.push(readAttribute(sub(r)));
  });
  return n;
}
function readAttribute(bytes) {
  const a = { name: "" };
  eachField(bytes, (no, r, wt) => {
    if (no === ATTR.name && wt === LEN) a.name = text(r);
    else if (no === ATTR.i && wt === 0) a.i = int64(r);
    else if (no === ATTR.s && wt === LEN) a.s = sub(r);
    else if (no === ATTR.g && wt === LEN) a.g = readGraph(sub(r));
    else if (no === ATTR.graphs && wt === LEN) (a.graphs ??= []).push(readGraph(sub(r)));
  });
  return a;
}
function readValue(bytes) {
  const v = { name: "", bytes };
  eachField(bytes, (no, r, wt) => {
    if (wt !== LEN) return;
    if (no === VALUE.name) v.name = text(r);
    else if (no === VALUE.type) eachField(sub(r), (n, q, w) => {
      if (n !== TYPE_TENSOR || w !== LEN) return;
      eachField(sub(q), (m, t, x) => {
        if (m === TENSOR_TYPE.elemType && x === 0) v.elemType = int64(t);
        else if (m === TENSOR_TYPE.shape && x === LEN) {
          v.dims = [];
          eachField(sub(t), (k, s, y) => {
            if (k !== SHAPE_DIM || y !== LEN) return;
            let dim = null;
            eachField(sub(s), (d, u, z) => {
              if (d === DIM.value && z === 0) dim = int64(u);
              else if (d === DIM.param && z === LEN) dim = text(u);
            });
            v.dims.push(dim);
          });
        }
      });
    });
  });
  return v;
}
function writeModel(m) {
  return concat([...m.rest.map((f) => f.bytes), ...lengthDelimited(MODEL.graph, writeGraph(m.graph))]);
}
function writeGraph(g) {
  const parts = [];
  const each = (no, items) => {
    for (const it of items) parts.push(...lengthDelimited(no, it.bytes));
  };
  each(GRAPH.node, g.node);
  each(GRAPH.initializer, g.initializer);
  each(GRAPH.input, g.input);
  each(GRAPH.output, g.output);
  each(GRAPH.valueInfo, g.valueInfo);
  for (const f of g.rest) parts.push(f.bytes);
  return concat(parts);
}
function varint(v) {
  const out = [];
  if (v < 0) {
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) {
      out.push(Number(u & 0x7fn) | 128);
      u >>= 7n;
    }
    out.push(Number(u));
  } else {
    while (v >= 128) {
      out.push(v % 128 | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
  }
  return Uint8Array.from(out);
}
var lengthDelimited = (no, value) => [varint(no << 3 | LEN), varint(value.length), value];
var varintField = (no, v) => [varint(no << 3), varint(v)];
var textField = (no, v) => lengthDelimited(no, new TextEncoder().encode(v));
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function valueView(name, elemType, dims) {
  const shape = concat(dims.flatMap((d) => lengthDelimited(SHAPE_DIM, concat(typeof d === "number" ? varintField(DIM.value, d) : textField(DIM.param, d)))));
  const tensor = concat([...varintField(TENSOR_TYPE.elemType, elemType), ...lengthDelimited(TENSOR_TYPE.shape, shape)]);
  const type = concat(lengthDelimited(TYPE_TENSOR, tensor));
  const bytes = concat([...textField(VALUE.name, name), ...lengthDelimited(VALUE.type, type)]);
  return { name, elemType, dims, bytes };
}

// src/inference/onnx_names.ts
var SHAPE_SOURCES = /* @__PURE__ */ new Set(["Shape", "Size"]);
function namesRead(n) {
  const names = [...n.input ?? []];
  for (const a of n.attribute ?? []) for (const sub2 of [a.g, ...a.graphs ?? []]) for (const m of sub2?.node ?? []) names.push(...namesRead(m));
  return names;
}
function shapeOnlyTensors(g) {
  const constant = new Set((g.initializer ?? []).map((t) => t.name));
  const shapeOnly = /* @__PURE__ */ new Set();
  for (const n of g.node ?? []) {
    if (n.attribute?.some((a) => a.g || a.graphs?.length)) continue;
    const ins = (n.input ?? []).filter((i) => i !== "");
    const fromShape = SHAPE_SOURCES.has(n.opType) || ins.every((i) => constant.has(i) || shapeOnly.has(i));
    if (fromShape) for (const o of n.output ?? []) shapeOnly.add(o);
  }
  return shapeOnly;
}
function usedInitializers(g) {
  const read = new Set((g.output ?? []).map((o) => o.name));
  for (const n of g.node ?? []) for (const i of namesRead(n)) read.add(i);
  return (g.initializer ?? []).filter((t) => read.has(t.name));
}

// src/inference/linear_resize_argmax.ts
var LINEAR_RESIZE_MODES = ["align_corners", "half_pixel", "pytorch_half_pixel", "asymmetric"];
var f32 = Math.fround;
function sourceCoordinate(o, inLen, outLen, mode) {
  const scale = f32(outLen / inLen);
  if (scale === 1) return o;
  switch (mode) {
    case "align_corners":
      return outLen === 1 ? 0 : f32(f32(o * (inLen - 1)) / (outLen - 1));
    case "half_pixel":
      return f32(f32(f32(o + 0.5) / scale) - 0.5);
    case "pytorch_half_pixel":
      return outLen > 1 ? f32(f32(f32(o + 0.5) / scale) - 0.5) : 0;
    case "asymmetric":
      return f32(o / scale);
  }
}
function axis(inLen, outLen, mode) {
  const a = { i1: new Int32Array(outLen), i2: new Int32Array(outLen), d1: new Float32Array(outLen), d2: new Float32Array(outLen) };
  for (let o = 0; o < outLen; o++) {
    const v = Math.max(0, Math.min(sourceCoordinate(o, inLen, outLen, mode), inLen - 1));
    const i1 = Math.min(Math.trunc(v), inLen - 1), i2 = Math.min(i1 + 1, inLen - 1);
    a.i1[o] = i1;
    a.i2[o] = i2;
    if (i1 === i2) {
      a.d1[o] = 0.5;
      a.d2[o] = 0.5;
    } else {
      a.d1[o] = Math.abs(v - i1);
      a.d2[o] = Math.abs(v - i2);
    }
  }
  return a;
}
var max2 = (a, b) => b > a ? b : a;
var min2 = (a, b) => b < a ? b : a;
function runs(a) {
  const r = [];
  for (let o = 0; o < a.i1.length; o++) if (o === 0 || a.i1[o] !== a.i1[o - 1] || a.i2[o] !== a.i2[o - 1]) r.push(o);
  r.push(a.i1.length);
  return r;
}
function linearResizeArgmax(scores, i, C, h, w, outH, outW, mode) {
  const px = h * w, base = i * C * px;
  const X = scores.subarray(base, base + C * px);
  const best = new Uint8Array(px), top = X.slice(0, px), second = new Float32Array(px).fill(-Infinity);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < px; p++) if (top[p] < lo) lo = top[p];
  for (let k = 1; k < C; k++) {
    const o = k * px;
    for (let p = 0; p < px; p++) {
      const v = X[o + p];
      if (v > top[p]) {
        second[p] = top[p];
        top[p] = v;
        best[p] = k;
      } else {
        if (v > second[p]) second[p] = v;
        if (v < lo) lo = v;
      }
    }
  }
  for (let p = 0; p < px; p++) if (top[p] > hi) hi = top[p];
  const tol = 1e-5 * Math.max(Math.abs(hi), Math.abs(lo));
  const sure = new Uint8Array(px);
  for (let p = 0; p < px; p++) sure[p] = top[p] - second[p] > tol ? 1 : 0;
  const ay = axis(h, outH, mode), ax = axis(w, outW, mode), ry = runs(ay), rx = runs(ax);
  const out = new Uint8Array(outH * outW), cand = new Int32Array(C);
  for (let by = 0; by + 1 < ry.length; by++) {
    const y0 = ry[by], y1 = ry[by + 1], r1 = ay.i1[y0] * w, r2 = ay.i2[y0] * w;
    for (let bx = 0; bx + 1 < rx.length; bx++) {
      const x0 = rx[bx], x1 = rx[bx + 1];
      const p11 = r1 + ax.i1[x0], p21 = r1 + ax.i2[x0], p12 = r2 + ax.i1[x0], p22 = r2 + ax.i2[x0];
      const a = best[p11];
      let n = 0;
      if (best[p21] === a && best[p12] === a && best[p22] === a && sure[p11] & sure[p21] & sure[p12] & sure[p22]) {
        cand[n++] = a;
      } else {
        const weakest = (c) => {
          const o = c * px;
          return min2(min2(X[o + p11], X[o + p21]), min2(X[o + p12], X[o + p22]));
        };
        const floor = max2(max2(weakest(a), weakest(best[p21])), max2(weakest(best[p12]), weakest(best[p22])));
        for (let k = 0; k < C; k++) {
          const o = k * px;
          if (max2(max2(X[o + p11], X[o + p21]), max2(X[o + p12], X[o + p22])) >= floor - tol) cand[n++] = k;
        }
        if (n === 0) for (let k = 0; k < C; k++) cand[n++] = k;
      }
      if (n === 1) {
        const c = cand[0];
        for (let y = y0; y < y1; y++) for (let q = y * outW + x0, end = y * outW + x1; q < end; q++) out[q] = c;
        continue;
      }
      for (let y = y0; y < y1; y++) {
        const dy1 = ay.d1[y], dy2 = ay.d2[y];
        for (let x = x0; x < x1; x++) {
          const dx1 = ax.d1[x], dx2 = ax.d2[x];
          const w11 = f32(dx2 * dy2), w21 = f32(dx1 * dy2), w12 = f32(dx2 * dy1), w22 = f32(dx1 * dy1);
          let bestK = cand[0], bestV = -Infinity;
          for (let j = 0; j < n; j++) {
            const o = cand[j] * px;
            const v = f32(f32(f32(f32(w11 * X[o + p11]) + f32(w21 * X[o + p21])) + f32(w12 * X[o + p12])) + f32(w22 * X[o + p22]));
            if (j === 0 || v > bestV) {
              bestV = v;
              bestK = cand[j];
            }
          }
          out[y * outW + x] = bestK;
        }
      }
    }
  }
  return out;
}

// src/inference/onnx_tail.ts
var FLOAT = 1;
function linearResizeTail(bytes) {
  let m;
  try {
    m = readModel(bytes);
  } catch {
    return null;
  }
  const g = m.graph;
  if (!g.output.length) return null;
  const producer = new Map(g.node.flatMap((n2) => n2.output.map((o) => [o, n2])));
  let n = producer.get(g.output[0].name);
  while (n?.opType === "Identity" && !n.domain) n = producer.get(n.input[0]);
  if (!n || n.opType !== "Resize" || n.domain || (m.opset.get("") ?? 0) < 11) return null;
  const attr = (name) => n.attribute.find((a) => a.name === name);
  const text2 = (name, fallback) => {
    const a = attr(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  };
  const mode = text2("coordinate_transformation_mode", "half_pixel");
  if (text2("mode", "nearest") !== "linear" || !LINEAR_RESIZE_MODES.includes(mode)) return null;
  if ((attr("antialias")?.i ?? 0) !== 0 || attr("axes") || text2("keep_aspect_ratio_policy", "stretch") !== "stretch") return null;
  const fixed = /* @__PURE__ */ new Set([...shapeOnlyTensors(g), ...g.initializer.map((t) => t.name)]);
  const [, , scales, sizes] = n.input;
  if (sizes ? !fixed.has(sizes) : mode !== "align_corners" || !scales || !fixed.has(scales)) return null;
  const output = n.input[0], logits = g.output[0].name;
  const [, channel, ih, iw] = g.input[0]?.dims ?? [];
  const channels = typeof channel === "number" && channel > 0 ? channel : void 0;
  const size = typeof ih === "number" && typeof iw === "number" && ih > 0 && iw > 0 ? [ih, iw] : void 0;
  const needed = /* @__PURE__ */ new Set([output]), keep = new Array(g.node.length).fill(false);
  for (let i = g.node.length - 1; i >= 0; i--) {
    if (!g.node[i].output.some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const name of namesRead(g.node[i])) needed.add(name);
  }
  g.node = g.node.filter((_, i) => keep[i]);
  g.output = [valueView(output, FLOAT, ["N", "C", "h", "w"])];
  g.valueInfo = g.valueInfo.filter((v) => needed.has(v.name));
  g.initializer = usedInitializers(g);
  return { head: writeModel(m), output, mode, logits, channels, size };
}
var MIN_UPSCALE = 9;
function probeInput(tail) {
  const c = tail.channels ?? 3, [h, w] = tail.size ?? [64, 64];
  return { data: new Float32Array(c * h * w), dims: [1, c, h, w] };
}
function enlargesEnough(probeOutputDims, probeDims) {
  const d = probeOutputDims;
  return d.length === 4 && d[1] <= 256 && d[2] * d[3] * MIN_UPSCALE <= probeDims[2] * probeDims[3];
}
function labelsFromHead(data, dims, inputDims, mode) {
  const [n, , h, w] = inputDims;
  if (dims.length !== 4 || dims[0] !== n || dims[1] > 256 || dims[2] * dims[3] * MIN_UPSCALE > h * w || !(data instanceof Float32Array)) return null;
  const [, C, sh, sw] = dims, labels = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) labels.set(linearResizeArgmax(data, i, C, sh, sw, h, w, mode), i * h * w);
  return labels;
}

// src/render/compose.ts
var effectOptionsShape = {
  keep: unknown(),
  blur: optional(number2()),
  color: optional(unknown()),
  image: optional(unknown()),
  grey: optional(boolean2()),
  transparent: optional(boolean2())
};
function chosenEffect(o) {
  const given = ["blur", "color", "image", "grey", "transparent"].filter((k) => o[k] != null && o[k] !== false);
  if (given.length !== 1) throw new UserError(`background: give exactly one of blur, color, image, grey, transparent (got ${given.join(", ") || "none"})`);
  if (given[0] === "blur" && !(o.blur >= 0.3 && o.blur <= 1e3)) throw new UserError(`background blur ${o.blur}: expected a sigma of 0.3 to 1000 pixels, e.g. 12`);
  return given[0];
}
function parseColor(v, what, argument) {
  const m = /^#?([0-9a-f]{6})$/i.exec(v.trim());
  if (!m) throw new UserError(`${what}: expected a colour as #RRGGBB, e.g. #00ff00`, 2, argument);
  const n = parseInt(m[1], 16);
  return [n >> 16 & 255, n >> 8 & 255, n & 255];
}
function greyscale(photo) {
  const d = photo.data, out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const y = Math.round(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
    out[i] = y;
    out[i + 1] = y;
    out[i + 2] = y;
  }
  return { data: out, width: photo.width, height: photo.height };
}
function matte(p, lo = 0.3, hi = 0.7) {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const t = Math.min(1, Math.max(0, (p[i] - lo) / (hi - lo)));
    out[i] = t * t * (3 - 2 * t);
  }
  return out;
}
function composite(photo, back, alpha) {
  const p = photo.data, b = back.data, out = new Uint8Array(p.length);
  for (let i = 0, j = 0; j < alpha.length; j++, i += 3) {
    const a = alpha[j], c = 1 - a;
    out[i] = p[i] * a + b[i] * c + 0.5;
    out[i + 1] = p[i + 1] * a + b[i + 1] * c + 0.5;
    out[i + 2] = p[i + 2] * a + b[i + 2] * c + 0.5;
  }
  return { data: out, width: photo.width, height: photo.height };
}
function solidColour(width, height, color) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(color, i);
  return { data, width, height };
}
function gaussianBlur(img, sigma) {
  const r = Math.max(1, Math.floor(sigma * Math.sqrt(2 * Math.log(5)))), k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { width: W, height: H } = img, tmp = new Float32Array(W * H * 3), out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r] * img.data[(y * W + Math.min(W - 1, Math.max(0, x + i))) * 3 + c];
    tmp[(y * W + x) * 3 + c] = v;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let i = -r; i <= r; i++) v += k[i + r] * tmp[(Math.min(H - 1, Math.max(0, y + i)) * W + x) * 3 + c];
    out[(y * W + x) * 3 + c] = v + 0.5;
  }
  return { data: out, width: W, height: H };
}
function coverBox(srcW, srcH, width, height) {
  const scale = Math.max(width / srcW, height / srcH), w = width / scale, h = height / scale;
  return [(srcW - w) / 2, (srcH - h) / 2, w, h];
}

// src/data/pixels.ts
var SAMPLE_MAX = { uint8: 255, uint16: 65535, float32: 1 };
var channelsOf = (im) => im.channels ?? 3;
function sampleTypeOf(im) {
  const d = ArrayBuffer.isView(im) ? im : im.data;
  return d instanceof Uint16Array ? "uint16" : d instanceof Float32Array ? "float32" : "uint8";
}
function isRgb8(im) {
  return channelsOf(im) === 3 && im.data instanceof Uint8Array;
}
function checkedRgb8(im) {
  const { data, width, height, channels } = im;
  const bytes = data instanceof Uint8Array || data instanceof Uint8ClampedArray ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const n = width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height) ? width * height : NaN;
  if (bytes && bytes.length === n * 3 && (channels ?? 3) === 3) return { data: bytes, width, height };
  if (bytes && bytes.length === n * 4 && (channels ?? 4) === 4) {
    const rgb = new Uint8Array(n * 3);
    for (let p = 0; p < n; p++) {
      rgb[p * 3] = bytes[p * 4];
      rgb[p * 3 + 1] = bytes[p * 4 + 1];
      rgb[p * 3 + 2] = bytes[p * 4 + 2];
    }
    return { data: rgb, width, height };
  }
  throw new UserError(`raw image: expected { data: Uint8Array of width*height*3 RGB (or *4 RGBA) bytes, width, height }, got ${data?.length} bytes for ${width}x${height}`, 2, "image");
}
function samplesLike(like, length) {
  return like instanceof Uint16Array ? new Uint16Array(length) : like instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length);
}
function withSamples(im, data, width = im.width, height = im.height) {
  return im.channels == null ? { data, width, height } : { data, width, height, channels: im.channels, sampleType: im.sampleType ?? sampleTypeOf(data) };
}
function resizeSamples(im, width, height) {
  const { width: w, height: h } = im, c = channelsOf(im);
  if (w === width && h === height) return im;
  const out = samplesLike(im.data, width * height * c), src = im.data;
  const round = out instanceof Float32Array ? 0 : 0.5;
  const max = out instanceof Uint16Array ? 65535 : out instanceof Uint8Array ? 255 : Infinity;
  const sx = w / width, sy = h / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5)), y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5)), x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), tx = fx - x0;
      const a = (y0 * w + x0) * c, b = (y0 * w + x1) * c, d = (y1 * w + x0) * c, e = (y1 * w + x1) * c, o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const v = (src[a + k] * (1 - tx) + src[b + k] * tx) * (1 - ty) + (src[d + k] * (1 - tx) + src[e + k] * tx) * ty + round;
        out[o + k] = v > max ? max : v;
      }
    }
  }
  return withSamples(im, out, width, height);
}

// src/data/simd/normalize_wasm.ts
var wasmBase643 = "AGFzbQEAAAABHQNgA3t7ewF7YAR7f3t7AGALf39/f399fX19fX0AAwQDAAECBQMBAAEHFgIGbWVtb3J5AgAJbm9ybWFsaXplAAIK3QMDJgAgAP37Af0MAAB/QwAAf0MAAH9DAAB/Q/3nASAB/eUBIAL95wELVgEBeyAA/YkBIQQgASAE/akBIAIgAxAA/QsEACABIAT9qgEgAiADEAD9CwQQIAD9igEhBCABIAT9qQEgAiADEAD9CwQgIAEgBP2qASACIAMQAP0LBDAL3AICA38JeyAF/RMhESAG/RMhEiAH/RMhEyAI/RMhFCAJ/RMhFSAK/RMhFgJAA0AgCyABTw0BIAAgC0EDbGohDCAM/QAEACEOIAz9AAQQIQ8gDP0ABCAhECALQQJ0IQ0gDv0MAAMGCQwP//////////////0OIA/9DP///////wIFCAsO///////9Dv1QIBD9DP//////////////AQQHCg39Dv1QIAIgDWogESASEAEgDv0MAQQHCg3///////////////0OIA/9DP//////AAMGCQwP///////9Dv1QIBD9DP//////////////AgUICw79Dv1QIAMgDWogEyAUEAEgDv0MAgUICw7///////////////0OIA/9DP//////AQQHCg3////////9Dv1QIBD9DP////////////8AAwYJDA/9Dv1QIAQgDWogFSAWEAEgC0EQaiELDAALCws=";

// src/data/simd/normalize.ts
var kernels3 = lazyModule(wasmBase643);
var STRIP_PIXELS = 1 << 15;
function simdNormalizeRgb(rgb, w, h, pw, x, targets) {
  const k = kernels3.get();
  if (!k) return false;
  const rows = Math.max(1, Math.floor(STRIP_PIXELS / w)), most = rows * w;
  const { at: [srcAt, ...planesAt], end } = layout([most * 3, most * 4, most * 4, most * 4]);
  if (!reserve(k, end)) return false;
  const bytes = new Uint8Array(k.memory.buffer), floats = new Float32Array(k.memory.buffer);
  for (let y0 = 0; y0 < h; y0 += rows) {
    const r = Math.min(rows, h - y0), n = r * w, whole = n & ~15, first = y0 * w;
    bytes.set(rgb.subarray(first * 3, (first + n) * 3), srcAt);
    const [t0, t1, t2] = targets;
    k.normalize(srcAt, whole, planesAt[0], planesAt[1], planesAt[2], t0.mean, t0.std, t1.mean, t1.std, t2.mean, t2.std);
    targets.forEach((t, j) => {
      const at = planesAt[j] / 4;
      for (let p = whole; p < n; p++) floats[at + p] = t.lut[rgb[(first + p) * 3 + j]];
      if (w === pw) x.set(floats.subarray(at, at + n), t.plane + y0 * pw);
      else for (let y = 0; y < r; y++) x.set(floats.subarray(at + y * w, at + (y + 1) * w), t.plane + (y0 + y) * pw);
    });
  }
  return true;
}

// src/data/normalize.ts
var KERAS_CAFFE_NORM = { channelOrder: "BGR", mean: [103.939 / 255, 116.779 / 255, 123.68 / 255], std: [1 / 255, 1 / 255, 1 / 255] };
var RAW_PIXELS = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };
function normalizationTable(norm) {
  const lut = [0, 1, 2].map((k) => bandTable(norm, k, "uint8"));
  return { lut, source: norm.channelOrder === "BGR" ? [2, 1, 0] : [0, 1, 2] };
}
function bandTable(norm, k, type) {
  const f = Math.fround, max = SAMPLE_MAX[type];
  return Float32Array.from({ length: max + 1 }, (_, v) => f(f(f(v / max) - f(norm.mean[k])) / f(norm.std[k])));
}
function bandMaps(norm, channels, type) {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw argumentError("normalization", `${norm.mean.length} means and ${norm.std.length} stds`, `the images have ${channels} bands: one mean and one std per band`);
  }
  const f = Math.fround;
  return Array.from({ length: channels }, (_, k) => {
    if (type !== "float32") {
      const t = bandTable(norm, k, type);
      return (v) => t[v];
    }
    const m = f(norm.mean[k]), s = f(norm.std[k]);
    return (v) => f(f(v - m) / s);
  });
}
function normalizeNchw(src, norm, ph, pw, o = {}) {
  const { width: w, height: h } = src[0];
  const plane = ph * pw;
  if (!isRgb8(src[0])) return normalizeBandsNchw(src, norm, ph, pw);
  const x = new Float32Array(src.length * 3 * plane);
  const { lut, source } = normalizationTable(norm);
  const [l0, l1, l2] = lut, [c0, c1, c2] = source;
  src.forEach((im, i) => {
    if (!isRgb8(im)) throw argumentError("images", `${channelsOf(im)} bands of ${sampleTypeOf(im)}`, "every image of a batch needs the first one's 3 bands of uint8");
    const d = im.data, b0 = i * 3 * plane, b1 = b0 + plane, b2 = b1 + plane;
    if (o.simd !== false) {
      const targets = [0, 1, 2].map((j) => {
        const k = source.indexOf(j);
        return { plane: b0 + k * plane, mean: norm.mean[k], std: norm.std[k], lut: lut[k] };
      });
      if (simdNormalizeRgb(d, w, h, pw, x, targets)) return;
    }
    for (let yy = 0; yy < h; yy++) {
      const end = yy * pw + w;
      for (let o2 = yy * pw, p = yy * w * 3; o2 < end; o2++, p += 3) {
        x[b0 + o2] = l0[d[p + c0]];
        x[b1 + o2] = l1[d[p + c1]];
        x[b2 + o2] = l2[d[p + c2]];
      }
    }
  });
  return x;
}
function normalizeBandsNchw(src, norm, ph, pw) {
  const { width: w, height: h } = src[0], c = channelsOf(src[0]), plane = ph * pw;
  const maps = bandMaps(norm, c, sampleTypeOf(src[0]));
  const x = new Float32Array(src.length * c * plane);
  src.forEach((im, i) => {
    if (channelsOf(im) !== c || sampleTypeOf(im) !== sampleTypeOf(src[0])) throw argumentError("images", `${channelsOf(im)} bands of ${sampleTypeOf(im)}`, `every image of a batch needs the first one's ${c} bands of ${sampleTypeOf(src[0])}`);
    for (let k = 0; k < c; k++) {
      const base = (i * c + k) * plane, t = maps[k];
      for (let yy = 0; yy < h; yy++) {
        const row = base + yy * pw;
        for (let xx = 0, p = yy * w * c + k; xx < w; xx++, p += c) x[row + xx] = t(im.data[p]);
      }
    }
  });
  return x;
}

// src/data/simd/resize_wasm.ts
var wasmBase644 = "AGFzbQEAAAABIwRgAXsBe2AIf39/f39/f38AYAd/f39/f39/AGAEe3t7ewF7AwUEAAECAwUDAQABBxoDBm1lbW9yeQIABWhwYXNzAAEFdnBhc3MAAgrmBAQlAQF7IABBFv2sAUH/Af0R/bYBIQEgASAB/YYBIAEgAf2GAf1mC8UBAgd/AXsgAyEOAkADQCAIIAJPDQFBACEJA0AgBSAJQQN0aigCBCELIAAgCCABbCAFIAlBA3RqKAIAakEDbGohDCAGIAkgB2xBAnRqIQ1BgICAAf0RIQ8gCyEKAkADQCAKRQ0BIA8gDP1cAgD9iQH9qQEgDf0JAgD9tQH9rgEhDyAMQQNqIQwgDUEEaiENIApBAWshCgwACwsgDiAPEAD9WgIAACAOQQNqIQ4gCUEBaiEJIAkgBEkNAAsgCEEBaiEIDAALCwuyAgIHfwd7AkADQCAHIANPDQEgACAEIAdBA3RqKAIAIAFsaiENIAQgB0EDdGooAgQhCkEAIQgCQANAIAggAU8NASAIQRBqIAFLBEAgAUEQayEIC0GAgIAB/REhDiAOIQ8gDiEQIA4hESANIAhqIQsgBSAHIAZsQQJ0aiEMIAohCQJAA0AgCUUNASAL/QAEACESIAz9CQIAIRQgEv2JASETIA4gE/2pASAU/bUB/a4BIQ4gDyAT/aoBIBT9tQH9rgEhDyAS/YoBIRMgECAT/akBIBT9tQH9rgEhECARIBP9qgEgFP21Af2uASERIAsgAWohCyAMQQRqIQwgCUEBayEJDAALCyACIAcgAWwgCGpqIA4gDyAQIBEQA/0LBAAgCEEQaiEIDAALCyAHQQFqIQcMAAsLC0MBAXtB/wH9ESEEIABBFv2sASAE/bYBIAFBFv2sASAE/bYB/YYBIAJBFv2sASAE/bYBIANBFv2sASAE/bYB/YYB/WYL";

// src/data/simd/resize.ts
var kernels4 = lazyModule(wasmBase644);
function simdResize(src, w, h, ow, oh, hx, vy) {
  if (vy && ow * 3 < 16) return null;
  const k = kernels4.get();
  const none = new Int32Array(0);
  const arrays = [hx?.bounds ?? none, hx?.weights ?? none, vy?.bounds ?? none, vy?.weights ?? none];
  const { at: [hb, hw2, vb, vw, srcAt, midAt, dstAt], end } = layout([...arrays.map((a) => a.byteLength), src.length, hx ? ow * h * 3 : 0, ow * oh * 3]);
  if (!k || !reserve(k, end)) return null;
  const heap = new Uint8Array(k.memory.buffer);
  [hb, hw2, vb, vw].forEach((p, i) => heap.set(new Uint8Array(arrays[i].buffer, arrays[i].byteOffset, arrays[i].byteLength), p));
  heap.set(src, srcAt);
  let from = srcAt;
  if (hx) {
    k.hpass(srcAt, w, h, midAt, ow, hb, hw2, hx.taps);
    from = midAt;
  }
  if (vy) {
    k.vpass(from, ow * 3, dstAt, oh, vb, vw, vy.taps);
    from = dstAt;
  }
  return heap.slice(from, from + ow * oh * 3);
}

// src/data/pillow_resize.ts
var BITS = 22;
var BILINEAR = { support: 1, weight: (d, fs) => {
  const t = Math.abs(d / fs);
  return t < 1 ? 1 - t : 0;
} };
var BICUBIC = {
  support: 2,
  weight: (d, fs) => {
    const a = -0.5, x = Math.abs(d * (1 / fs));
    return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
  }
};
function coeffs(inSize, outSize, f) {
  const scale = inSize / outSize;
  const fs = Math.max(scale, 1), support = f.support * fs;
  const taps2 = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2), weights = new Int32Array(outSize * taps2);
  const w = new Float64Array(taps2);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let k = 0; k < xmax; k++) {
      w[k] = f.weight(k + xmin - center + 0.5, fs);
      sum += w[k];
    }
    for (let k = 0; k < xmax; k++) {
      const v = sum !== 0 ? w[k] / sum : w[k];
      weights[i * taps2 + k] = v < 0 ? Math.trunc(-0.5 + v * (1 << BITS)) : Math.trunc(0.5 + v * (1 << BITS));
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xmax;
  }
  return { bounds, weights, taps: taps2 };
}
var HALF = 1 << BITS - 1;
var clip8 = (v) => {
  const x = v >> BITS;
  return x > 255 ? 255 : x < 0 ? 0 : x;
};
function horizontalPass(src, w, h, ow, { bounds, weights, taps: taps2 }) {
  const out = new Uint8Array(ow * h * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0, o = y * ow * 3; x < ow; x++, o += 3) {
      const n = bounds[x * 2 + 1], wb = x * taps2;
      let r = HALF, g = HALF, b = HALF;
      for (let k = 0, q = row + bounds[x * 2] * 3; k < n; k++, q += 3) {
        const wk = weights[wb + k];
        r += src[q] * wk;
        g += src[q + 1] * wk;
        b += src[q + 2] * wk;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}
function verticalPass(src, w, oh, { bounds, weights, taps: taps2 }) {
  const len = w * 3;
  const out = new Uint8Array(oh * len);
  const acc = new Int32Array(len);
  for (let y = 0; y < oh; y++) {
    const first = bounds[y * 2], n = bounds[y * 2 + 1], wb = y * taps2;
    acc.fill(HALF);
    for (let k = 0; k < n; k++) {
      const wk = weights[wb + k], s = (first + k) * len;
      for (let i = 0; i < len; i++) acc[i] += src[s + i] * wk;
    }
    const o = y * len;
    for (let i = 0; i < len; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}
function pillowBilinear(img, width, height, o = {}) {
  return resample(img, width, height, BILINEAR, o);
}
function pillowBicubic(img, width, height, o = {}) {
  return resample(img, width, height, BICUBIC, o);
}
function resample(img, width, height, f, o) {
  const hx = width !== img.width ? coeffs(img.width, width, f) : null;
  const vy = height !== img.height ? coeffs(img.height, height, f) : null;
  const fast = o.simd !== false && (hx || vy) ? simdResize(img.data, img.width, img.height, width, height, hx, vy) : null;
  if (fast) return { data: fast, width, height };
  if (o.simd === true && (hx || vy)) throw new Error(`SIMD resize unavailable for ${img.width}x${img.height} -> ${width}x${height}`);
  let data = img.data;
  if (hx) data = horizontalPass(data, img.width, img.height, width, hx);
  if (vy) data = verticalPass(data, width, height, vy);
  return { data, width, height };
}
function nearestIndex(inSize, outSize) {
  const idx = new Int32Array(outSize), s = inSize / outSize;
  let x = 0.5 * s;
  for (let j = 0; j < outSize; j++, x += s) idx[j] = Math.min(inSize - 1, Math.trunc(x));
  return idx;
}
function pillowNearest(src, w, h, width, height) {
  if (w === width && h === height) return src;
  const xs = nearestIndex(w, width), ys = nearestIndex(h, height);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    if (y > 0 && ys[y] === ys[y - 1]) {
      out.copyWithin(y * width, (y - 1) * width, y * width);
      continue;
    }
    const row = ys[y] * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}

// src/data/opencv_resize.ts
var COEF_BITS = 11;
var ONE = 1 << COEF_BITS;
function roundEven(v) {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function axis2(inSize, outSize, clampStart) {
  const scale = 1 / (outSize / inSize), f = Math.fround;
  const src = new Int32Array(outSize), w0 = new Int16Array(outSize), w1 = new Int16Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let fx = f((d + 0.5) * scale - 0.5);
    let sx = Math.floor(fx);
    fx = f(fx - sx);
    if (clampStart && sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (clampStart && sx >= inSize - 1) {
      fx = 0;
      sx = inSize - 1;
    }
    src[d] = sx;
    w0[d] = roundEven(f(1 - fx) * ONE);
    w1[d] = roundEven(fx * ONE);
  }
  return { src, w0, w1 };
}
function opencvLinear(img, width, height) {
  const { width: w, height: h, data } = img;
  if (w === width && h === height) return img;
  if (w === 2 * width && h === 2 * height) return halve(img);
  const cn = 3, len = width * cn;
  const xs = axis2(w, width, true), ys = axis2(h, height, false);
  const rowCache = /* @__PURE__ */ new Map();
  const hrow = (sy) => {
    let r = rowCache.get(sy);
    if (r) return r;
    r = new Int32Array(len);
    const base = sy * w * cn;
    for (let dx = 0; dx < width; dx++) {
      const sx = xs.src[dx], a0 = xs.w0[dx], a1 = xs.w1[dx];
      const p = base + sx * cn, q = sx + 1 < w ? p + cn : p;
      for (let k = 0; k < cn; k++) r[dx * cn + k] = sx + 1 < w ? data[p + k] * a0 + data[q + k] * a1 : data[p + k] * ONE;
    }
    if (rowCache.size > 4) rowCache.delete(rowCache.keys().next().value);
    rowCache.set(sy, r);
    return r;
  };
  const out = new Uint8Array(len * height);
  const clipRow = (y) => y < 0 ? 0 : y >= h ? h - 1 : y;
  for (let dy = 0; dy < height; dy++) {
    const sy = ys.src[dy], S0 = hrow(clipRow(sy)), S1 = hrow(clipRow(sy + 1));
    const b0 = ys.w0[dy], b1 = ys.w1[dy], o = dy * len;
    for (let x = 0; x < len; x++) out[o + x] = ((S0[x] >> 4) * b0 >> 16) + ((S1[x] >> 4) * b1 >> 16) + 2 >> 2;
  }
  return { data: out, width, height };
}
function halve(img) {
  const { width: w, data } = img, width = w / 2, height = img.height / 2, cn = 3;
  const out = new Uint8Array(width * height * cn);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let k = 0; k < cn; k++) {
    const p = (2 * y * w + 2 * x) * cn + k, q = p + w * cn;
    out[(y * width + x) * cn + k] = data[p] + data[p + cn] + data[q] + data[q + cn] + 2 >> 2;
  }
  return { data: out, width, height };
}
function opencvNearest(src, w, h, width, height) {
  if (w === width && h === height) return src;
  const ifx = 1 / (width / w), ify = 1 / (height / h);
  const xs = Int32Array.from({ length: width }, (_, x) => Math.min(Math.floor(x * ifx), w - 1));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.min(Math.floor(y * ify), h - 1) * w;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]];
  }
  return out;
}

// src/inference/simd/chw_resize_wasm.ts
var wasmBase645 = "AGFzbQEAAAABEwJgBH9/f38AYAh/f39/f39/fwADAwIAAQUDAQABBxgCBm1lbW9yeQIAC3Jlc2l6ZVBsYW5lAAEK9gICWAEBfwJAA0AgBCABTw0BIAMgACACKAIAQQJ0aioCALsgAisDEKIgACACKAIEQQJ0aioCALsgAisDCKKgOQMAIANBCGohAyACQRhqIQIgBEEBaiEEDAALCwuaAgILfwN7IAchDiAHIARBAmpBA3RqIQ9BfyEQQX8hESACIQsCQANAIAggA08NASAGIAhBGGxqIQogCigCACEMIAooAgQhDSAKKwMI/RQhEyAKKwMQ/RQhFCAMIBBHBEAgDCARRgRAIA4hEiAPIQ4gEiEPIBAhESAMIRAFIAAgDCABbEECdGogBCAFIA4QACAMIRALCyANIBFHBEAgACANIAFsQQJ0aiAEIAUgDxAAIA0hEQtBACEJAkADQCAJIARPDQEgDiAJQQN0av0ABAAgFP3yASAPIAlBA3Rq/QAEACAT/fIB/fAB/V4hFSALIAlBAnRqIBX9WwMAACAJQQJqIQkMAAsLIAsgBEECdGohCyAIQQFqIQgMAAsLCw==";

// src/inference/chw.ts
function taps(inSize, outSize) {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), a = new Float64Array(outSize), scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const f = Math.max(0, (o + 0.5) * scale - 0.5), lo = Math.min(inSize - 1, Math.floor(f));
    i0[o] = lo;
    i1[o] = Math.min(inSize - 1, lo + 1);
    a[o] = f - lo;
  }
  return { i0, i1, a };
}
var resizeKernel = lazyModule(wasmBase645);
function packTaps(t, from, to, shift, into, at) {
  const ints = new Int32Array(into, at, (to - from) * 6), floats = new Float64Array(into, at, (to - from) * 3);
  for (let o = from, j = 0; o < to; o++, j++) {
    ints[j * 6] = t.i0[o] - shift;
    ints[j * 6 + 1] = t.i1[o] - shift;
    floats[j * 3 + 1] = t.a[o];
    floats[j * 3 + 2] = 1 - t.a[o];
  }
}
var STRIP_BYTES3 = 1 << 20;
function resizeChwWasm(src, c, h, w, th, tw, from, to, out) {
  const k = resizeKernel.get();
  if (!k) return false;
  const rows = Math.max(1, Math.min(to - from, Math.floor(STRIP_BYTES3 / (tw * 4 + (Math.ceil(h / th) + 1) * w * 4))));
  const cols = taps(w, tw), rowTaps = taps(h, th);
  let span = 0;
  for (let y = from; y < to; y += rows) span = Math.max(span, rowTaps.i1[Math.min(to, y + rows) - 1] - rowTaps.i0[y] + 1);
  const { at: [srcAt, dstAt, colsAt, rowsAt, bufsAt], end } = layout([span * w * 4, rows * tw * 4, tw * 24, rows * 24, 2 * (tw + 2) * 8]);
  if (!reserve(k, end)) return false;
  packTaps(cols, 0, tw, 0, k.memory.buffer, colsAt);
  const heap = new Float32Array(k.memory.buffer);
  const outRows = to - from;
  for (let y = from; y < to; y += rows) {
    const n = Math.min(rows, to - y), first = rowTaps.i0[y], last = rowTaps.i1[y + n - 1];
    packTaps(rowTaps, y, y + n, first, k.memory.buffer, rowsAt);
    for (let p = 0; p < c; p++) {
      heap.set(src.subarray(p * h * w + first * w, p * h * w + (last + 1) * w), srcAt / 4);
      k.resizePlane(srcAt, w, dstAt, n, tw, colsAt, rowsAt, bufsAt);
      out.set(heap.subarray(dstAt / 4, dstAt / 4 + n * tw), (p * outRows + y - from) * tw);
    }
  }
  return true;
}
function resizeChw(src, c, h, w, th, tw, opts = {}) {
  return resizeChwRows(src, c, h, w, th, tw, 0, th, opts);
}
function resizeChwRows(src, c, h, w, th, tw, from, to, opts = {}) {
  const n = to - from, out = new Float32Array(c * n * tw);
  if (opts.simd !== false && resizeChwWasm(src, c, h, w, th, tw, from, to, out)) return out;
  const { i0: x0s, i1: x1s, a: axs } = taps(w, tw), rows = taps(h, th);
  for (let y = from; y < to; y++) {
    const y0 = rows.i0[y], y1 = rows.i1[y], ay = rows.a[y];
    for (let k = 0; k < c; k++) {
      const r0 = k * h * w + y0 * w, r1 = k * h * w + y1 * w, o = (k * n + y - from) * tw;
      for (let x = 0; x < tw; x++) {
        const x0 = x0s[x], x1 = x1s[x], ax = axs[x];
        const top = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
        const bot = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
        out[o + x] = top * (1 - ay) + bot * ay;
      }
    }
  }
  return out;
}
var SCORE_STRIP_BYTES = 4 << 20;
function scoreStrips(c, th, tw) {
  const rows = Math.max(1, Math.floor(SCORE_STRIP_BYTES / (c * tw * 4))), strips = [];
  for (let y = 0; y < th; y += rows) strips.push([y, Math.min(th, y + rows)]);
  return strips;
}
function setRowsChw(dst, part, c, y, n, w, h) {
  for (let k = 0; k < c; k++) dst.set(part.subarray(k * n * w, (k + 1) * n * w), (k * h + y) * w);
}
function resizeArgmaxChw(src, c, h, w, th, tw, opts = {}) {
  if (opts.settle !== false && c <= 256 && th >= h && tw >= w && th * tw >= 16 * h * w) return settledResizeArgmax(src, c, h, w, th, tw);
  if (opts.simd !== false && c <= 256) {
    const out2 = new Uint8Array(th * tw);
    for (const [from, to] of scoreStrips(c, th, tw)) out2.set(argmaxChw(resizeChwRows(src, c, h, w, th, tw, from, to), c), from * tw);
    return out2;
  }
  const out = new Uint8Array(th * tw), best = new Float32Array(tw), plane = h * w;
  const { i0: x0s, i1: x1s, a: axs } = taps(w, tw), rows = taps(h, th);
  for (let y = 0; y < th; y++) {
    const y0 = rows.i0[y], y1 = rows.i1[y], ay = rows.a[y], o = y * tw;
    for (let k = 0; k < c; k++) {
      const r0 = k * plane + y0 * w, r1 = k * plane + y1 * w;
      for (let x = 0; x < tw; x++) {
        const x0 = x0s[x], x1 = x1s[x], ax = axs[x];
        const top = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
        const bot = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
        const v = Math.fround(top * (1 - ay) + bot * ay);
        if (k === 0 || v > best[x]) {
          best[x] = v;
          out[o + x] = k;
        }
      }
    }
  }
  return out;
}
function tapRuns(t) {
  const r = [];
  for (let o = 0; o < t.i0.length; o++) if (o === 0 || t.i0[o] !== t.i0[o - 1] || t.i1[o] !== t.i1[o - 1]) r.push(o);
  r.push(t.i0.length);
  return r;
}
function topTwo(src, c, px) {
  const idx = new Uint8Array(px), best = src.slice(0, px), second = new Float32Array(px).fill(-Infinity), mag = new Float32Array(px), finite = new Uint8Array(px).fill(1);
  for (let k = 0; k < c; k++) {
    const o = k * px;
    for (let p = 0; p < px; p++) {
      const v = src[o + p];
      if (!(v > -Infinity && v < Infinity)) {
        finite[p] = 0;
        continue;
      }
      const a = v < 0 ? -v : v;
      if (a > mag[p]) mag[p] = a;
      if (k === 0) continue;
      if (v > best[p]) {
        second[p] = best[p];
        best[p] = v;
        idx[p] = k;
      } else if (v > second[p]) second[p] = v;
    }
  }
  return { idx, best, second, mag, finite };
}
function settledResizeArgmax(src, c, h, w, th, tw) {
  const EPS = 2 ** -20, JS_PER_KERNEL = 4;
  const out = new Uint8Array(th * tw), plane = h * w;
  const cols = taps(w, tw), rows = taps(h, th), colRuns = tapRuns(cols), rowRuns = tapRuns(rows);
  const top = topTwo(src, c, plane);
  const lo = new Float64Array(c), hi = new Float64Array(c), cand = new Int32Array(c);
  const cells = colRuns.length - 1, settled = new Int16Array(cells), work = new Int32Array(cells), kept = new Int32Array(cells * c);
  let pending = -1;
  const stripRows = scoreStrips(c, th, tw)[0][1];
  const flush = (to) => {
    for (let y = pending; y < to; y += stripRows) {
      const end = Math.min(to, y + stripRows);
      out.set(argmaxChw(resizeChwRows(src, c, h, w, th, tw, y, end), c), y * tw);
    }
    pending = -1;
  };
  const candidates = (y0, y1, x0, x1) => {
    let bestLo = -Infinity, mag = 0;
    for (let k = 0; k < c; k++) {
      const b = k * plane, p = src[b + y0 * w + x0], q = src[b + y0 * w + x1], r = src[b + y1 * w + x0], t = src[b + y1 * w + x1];
      let mn = p < q ? p : q, mx = p < q ? q : p;
      if (r < mn) mn = r;
      if (r > mx) mx = r;
      if (t < mn) mn = t;
      if (t > mx) mx = t;
      lo[k] = mn;
      hi[k] = mx;
      if (mn > bestLo) bestLo = mn;
      if (-mn > mag) mag = -mn;
      if (mx > mag) mag = mx;
    }
    const floor = bestLo - EPS * mag;
    let n = 0;
    for (let k = 0; k < c; k++) if (hi[k] >= floor) cand[n++] = k;
    return n;
  };
  for (let ry = 0; ry + 1 < rowRuns.length; ry++) {
    const ya = rowRuns[ry], yb = rowRuns[ry + 1], y0 = rows.i0[ya], y1 = rows.i1[ya];
    let total = 0;
    const budget = tw * c / JS_PER_KERNEL;
    for (let rx = 0; rx < cells && total <= budget; rx++) {
      const x0 = cols.i0[colRuns[rx]], x1 = cols.i1[colRuns[rx]], width = colRuns[rx + 1] - colRuns[rx];
      const a = y0 * w + x0, b = y0 * w + x1, d = y1 * w + x0, e = y1 * w + x1;
      settled[rx] = -1;
      if (!(top.finite[a] & top.finite[b] & top.finite[d] & top.finite[e])) {
        settled[rx] = -2;
        work[rx] = c;
        total += c * width;
        continue;
      }
      const k = top.idx[a];
      if (top.idx[b] === k && top.idx[d] === k && top.idx[e] === k) {
        const least = Math.min(top.best[a], top.best[b], top.best[d], top.best[e]);
        const rival = Math.max(top.second[a], top.second[b], top.second[d], top.second[e]);
        const mag = Math.max(top.mag[a], top.mag[b], top.mag[d], top.mag[e]);
        if (least - rival > EPS * mag) {
          settled[rx] = k;
          continue;
        }
      }
      work[rx] = candidates(y0, y1, x0, x1);
      kept.set(cand.subarray(0, work[rx]), rx * c);
      total += work[rx] * width;
    }
    if (total > budget) {
      if (pending < 0) pending = ya;
      continue;
    }
    if (pending >= 0) flush(ya);
    for (let rx = 0; rx < cells; rx++) {
      const xa = colRuns[rx], xb = colRuns[rx + 1];
      if (settled[rx] >= 0) {
        for (let y = ya; y < yb; y++) out.fill(settled[rx], y * tw + xa, y * tw + xb);
        continue;
      }
      const x0 = cols.i0[xa], x1 = cols.i1[xa], n = work[rx];
      if (settled[rx] === -2) for (let k = 0; k < c; k++) cand[k] = k;
      else cand.set(kept.subarray(rx * c, rx * c + n));
      for (let y = ya; y < yb; y++) {
        const ay = rows.a[y];
        for (let x = xa; x < xb; x++) {
          const ax = cols.a[x];
          let arg = cand[0], best = -Infinity;
          for (let i = 0; i < n; i++) {
            const b = cand[i] * plane, r0 = b + y0 * w, r1 = b + y1 * w;
            const tv = src[r0 + x0] * (1 - ax) + src[r0 + x1] * ax;
            const bv = src[r1 + x0] * (1 - ax) + src[r1 + x1] * ax;
            const v = Math.fround(tv * (1 - ay) + bv * ay);
            if (i === 0 || v > best) {
              best = v;
              arg = cand[i];
            }
          }
          out[y * tw + x] = arg;
        }
      }
    }
  }
  if (pending >= 0) flush(th);
  return out;
}

// src/inference/processor.ts
var BUILT_IN_FILTERS = {
  pillow: (im, w, h) => pillowBilinear(im, w, h),
  "pillow-bicubic": (im, w, h) => pillowBicubic(im, w, h),
  "opencv-linear": (im, w, h) => opencvLinear(im, w, h)
};
function netSize(rule, w, h) {
  if (rule.kind === "native") return [w, h];
  if (rule.kind === "fixed") return [rule.size[1], rule.size[0]];
  const m = rule.multiple;
  return [Math.max(m, Math.floor(w / m) * m), Math.max(m, Math.floor(h / m) * m)];
}
var LOG_FLOOR = -30;
var ImageProcessor = class {
  constructor(card, filters = {}) {
    this.card = card;
    this.filters = filters;
    this.numClasses = card.model.numClasses;
    this.output = card.output;
    this.scale = card.output.scale ?? 1;
  }
  card;
  filters;
  numClasses;
  output;
  /** The network's output is at 1 / scale of its input on each side (the card's output.scale). */
  scale;
  /** The size of the network's results for an input of `net`'s size. */
  outSize(net) {
    return { width: net.width / this.scale, height: net.height / this.scale };
  }
  /** Whether the network's results for `net` are at `img`'s size already (nothing to resize back). */
  atImageSize(net, img) {
    const o = this.outSize(net);
    return o.width === img.width && o.height === img.height;
  }
  /** An output's sizes: n, the padded [ph, pw] and each image's [h, w], at the network's output scale. */
  outDims(e) {
    const s = this.scale, [n, , ph, pw] = e.dims;
    return { n, ph: ph / s, pw: pw / s, h: e.height / s, w: e.width / s };
  }
  get rule() {
    return this.card.input.rule;
  }
  /** Whether every image is resized to one size (such inputs are never tiled). */
  get fixedSize() {
    return this.rule.kind === "fixed";
  }
  /**
   * The images at the network's size (the same objects when the rule keeps them as they are). The
   * card's filter resizes 8-bit RGB; other images (bands, 16-bit, float) are resized bilinearly at
   * full precision (pixels.ts).
   */
  async toNetwork(imgs) {
    this.checkBands(imgs);
    const rule = this.rule;
    if (rule.kind === "native") return imgs;
    const f = { ...BUILT_IN_FILTERS, ...this.filters }[rule.filter];
    if (!f) throw argumentError("filters", rule.filter, `the card resizes with ${rule.filter}'s filter: give that function in the segmenter's options.filters (openSegmenter gives sharp's)`);
    return Promise.all(imgs.map(async (im) => {
      const [w, h] = netSize(rule, im.width, im.height);
      if (w === im.width && h === im.height) return im;
      return isRgb8(im) ? await f(im, w, h) : resizeSamples(im, w, h);
    }));
  }
  /** Images whose bands or samples are not the card's are refused, naming both. */
  checkBands(imgs) {
    const c = this.card.input.channels, type = this.card.input.sampleType ?? "uint8";
    for (const im of imgs) {
      if (channelsOf(im) !== c) throw argumentError("images", `${channelsOf(im)} bands`, `the model takes ${c} (its card's input.channels)${c === 3 ? ": read images as RGB" : ""}`);
      const t = sampleTypeOf(im);
      if (t !== type && !(t === "uint8" && type !== "uint8")) throw argumentError("images", `${t} samples`, `the model was trained on ${type} samples (its card's input.sampleType)`);
    }
  }
  /** Label map from the network's output size (for an input of `net`'s) back to the image's (the card's nearest: Pillow's or OpenCV's). */
  labelsBack(labels, net, img) {
    const o = this.outSize(net);
    return (this.output.nearest === "opencv" ? opencvNearest : pillowNearest)(labels, o.width, o.height, img.width, img.height);
  }
  /** Class scores (CHW) from the network's output size back to the image's (bilinear, half-pixel centres). */
  scoresBack(scores, net, img) {
    if (this.atImageSize(net, img)) return scores;
    const o = this.outSize(net);
    return resizeChw(scores, this.numClasses, o.height, o.width, img.height, img.width);
  }
  /**
   * probabilities8 of scoresBack's result, strip by strip of rows: the same values without the
   * full-size scores (C floats a pixel: gigabytes for a large photo), one byte a class and pixel.
   */
  probabilitiesBack(scores, net, img) {
    const C = this.numClasses, { width: tw, height: th } = img;
    if (this.atImageSize(net, img)) return probabilities8(scores, C);
    const o = this.outSize(net), out = new Uint8Array(C * th * tw);
    for (const [from, to] of scoreStrips(C, th, tw)) {
      setRowsChw(out, probabilities8(resizeChwRows(scores, C, o.height, o.width, th, tw, from, to), C), C, from, to - from, tw, th);
    }
    return out;
  }
  /**
   * The label map at the image's size from class scores at the network's: the argmax of
   * scoresBack's result, computed row by row without keeping it (same labels, a row of memory).
   */
  labelsFromScoresBack(scores, net, img) {
    if (this.atImageSize(net, img)) return argmaxChw(scores, this.numClasses);
    const o = this.outSize(net);
    return resizeArgmaxChw(scores, this.numClasses, o.height, o.width, img.height, img.width);
  }
  encode(imgs) {
    this.checkBands(imgs);
    const { width, height } = imgs[0];
    const s = this.card.input.stride, ph = Math.ceil(height / s) * s, pw = Math.ceil(width / s) * s;
    return { x: normalizeNchw(imgs, this.card.input.normalization, ph, pw), dims: [imgs.length, this.card.input.channels, ph, pw], width, height };
  }
  /**
   * Per image, the class scores (CHW, logits or log-probabilities) of its part of the network's
   * output [n, C, ph, pw]: views into `out` where nothing is cropped (the output is rewritten in
   * place for probabilities and a temperature), copies otherwise.
   */
  scores(out, e) {
    this.checkOutput(out, e, true);
    const C = this.numClasses, { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => {
      const whole = ph === h && pw === w;
      const map = whole ? out.subarray(i * C * h * w, (i + 1) * C * h * w) : new Float32Array(C * h * w);
      if (!whole) for (let k = 0; k < C; k++) for (let y = 0; y < h; y++) {
        map.set(out.subarray(((i * C + k) * ph + y) * pw, ((i * C + k) * ph + y) * pw + w), (k * h + y) * w);
      }
      if (this.output.kind === "probabilities") for (let p = 0; p < map.length; p++) map[p] = map[p] > 0 ? Math.max(LOG_FLOOR, Math.log(map[p])) : LOG_FLOOR;
      const t = this.card.temperature;
      if (t && t !== 1) for (let p = 0; p < map.length; p++) map[p] /= t;
      return map;
    });
  }
  /** Per image, the argmax of its part of the network's output [n, C, ph, pw] (cropping as it goes). */
  argmax(out, e) {
    this.checkOutput(out, e, true);
    const { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => argmaxPadded(out, i, this.numClasses, ph, pw, w, h));
  }
  /** Per image, its part of a label map [n, ph, pw] the network gave. */
  labels(out, e) {
    this.checkOutput(out, e, false);
    const { n, ph, pw, w, h } = this.outDims(e);
    return Array.from({ length: n }, (_, i) => {
      const map = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) map.set(out.subarray((i * ph + y) * pw, (i * ph + y) * pw + w), y * w);
      return map;
    });
  }
  /**
   * A network's output checked against the input it was given: [n, C, ph, pw] scores, or an
   * [n, ph, pw] label map. A Network written outside pixelwise (createSegmenter takes any) that
   * answers with another shape would be read past its end or in part.
   */
  checkOutput(out, e, scores) {
    const { n, ph, pw } = this.outDims(e), C = this.numClasses;
    const expected = scores ? n * C * ph * pw : n * ph * pw;
    const type = scores ? Float32Array : Uint8Array;
    if (out instanceof type && out.length === expected) return;
    const shape = scores ? `${n} x ${C} classes x ${ph} x ${pw}` : `${n} x ${ph} x ${pw}`;
    const got = out instanceof type ? `${out.length} values` : `${out?.constructor?.name ?? String(out)}`;
    throw new UserError(`network: ${got} for an input of ${e.dims.join(" x ")}; expected a ${type.name} of ${expected} (${shape}${scores ? "" : ", a label map"})`, 2, "network");
  }
  /** Scores for a network that gives only a label map: one-hot, as logits (the label's probability ~1). */
  oneHot(labels) {
    const C = this.numClasses, px = labels.length, map = new Float32Array(C * px).fill(LOG_FLOOR);
    for (let p = 0; p < px; p++) map[labels[p] * px + p] = 0;
    return map;
  }
};

// src/inference/probabilities.ts
async function probabilitiesOf(seg, imgs, o) {
  if (seg.probabilitiesBatch) return seg.probabilitiesBatch(imgs, o);
  const C = seg.card.model.numClasses;
  return (await seg.scoresBatch(imgs, o)).map((r) => ({ labels: r.labels, prob8: probabilities8(r.scores, C) }));
}

// src/inference/tiling.ts
var DEFAULT_TILING = { tile: 0, overlap: 0.25, pixelBudget: 4e6, autoTile: 1024 };
function tileStarts(size, tile, overlap) {
  if (size <= tile) return [0];
  const step = Math.max(1, Math.floor(tile * (1 - overlap)));
  const starts = [];
  for (let s = 0; s + tile < size; s += step) starts.push(s);
  starts.push(size - tile);
  return starts;
}
function axisWeights(len, start, end) {
  const ramp = (d, L) => {
    const m = Math.floor(L / 4);
    return Math.min(1, Math.max(0, (d - m + 0.5) / (L - 2 * m)));
  };
  const w = new Float32Array(len);
  for (let i = 0; i < len; i++) w[i] = Math.min(start > 0 ? ramp(i, start) : 1, end > 0 ? ramp(len - 1 - i, end) : 1);
  return w;
}
var overlaps = (starts, i, len) => [i > 0 ? starts[i - 1] + len - starts[i] : 0, i < starts.length - 1 ? starts[i] + len - starts[i + 1] : 0];
function cropRgb(img, x0, y0, w, h) {
  const c = channelsOf(img), out = samplesLike(img.data, w * h * c);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((y0 + y) * img.width + x0) * c, ((y0 + y) * img.width + x0 + w) * c), y * w * c);
  return withSamples(img, out, w, h);
}
async function tiledScores(inner, img, tile, overlap, want, signal) {
  const { width: W, height: H } = img, C = inner.card.model.numClasses;
  const th = Math.min(tile, H), tw = Math.min(tile, W);
  const xs = tileStarts(W, tw, overlap), ys = tileStarts(H, th, overlap);
  const labels = new Uint8Array(W * H);
  const scores = want === "scores" ? new Float32Array(C * W * H) : void 0;
  const prob8 = want === "probabilities" ? new Uint8Array(C * W * H) : void 0;
  const acc = new Float32Array(C * th * W), wsum = new Float32Array(th * W);
  const wx = xs.map((_, i) => axisWeights(tw, ...overlaps(xs, i, tw)));
  for (let r = 0; r < ys.length; r++) {
    const y0 = ys[r];
    const wy = axisWeights(th, ...overlaps(ys, r, th));
    for (let i = 0; i < xs.length; i++) {
      const x0 = xs[i];
      signal?.throwIfAborted();
      const [{ scores: s }] = await inner.scoresBatch([cropRgb(img, x0, y0, tw, th)]);
      const w = wx[i];
      for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
        const k0 = y * W + x0 + x, wt = wy[y] * w[x];
        wsum[k0] += wt;
        for (let k = 0; k < C; k++) acc[k * th * W + k0] += wt * s[(k * th + y) * tw + x];
      }
    }
    const done = r + 1 < ys.length ? ys[r + 1] - y0 : th;
    const part = new Float32Array(C * done * W);
    for (let k = 0; k < C; k++) for (let p = 0; p < done * W; p++) part[k * done * W + p] = acc[k * th * W + p] / (wsum[p] || 1);
    labels.set(labelsFromScores(part, C, inner.threshold), y0 * W);
    if (scores) setRowsChw(scores, part, C, y0, done, W, H);
    if (prob8) setRowsChw(prob8, probabilities8(part, C), C, y0, done, W, H);
    for (let k = 0; k < C; k++) {
      const plane = acc.subarray(k * th * W, (k + 1) * th * W);
      plane.copyWithin(0, done * W);
      plane.fill(0, (th - done) * W);
    }
    wsum.copyWithin(0, done * W);
    wsum.fill(0, (th - done) * W);
  }
  return { labels, scores, prob8 };
}
var MANY_PASSES = 2e3;
function withTiling(inner, o) {
  if (!(o.overlap >= 0 && o.overlap <= 0.9)) throw argumentError("overlap", o.overlap, "must be between 0 and 0.9");
  if (o.tile !== 0 && o.tile < 32) throw argumentError("tile", o.tile, "use at least 32 pixels");
  let told = false, toldPasses = false;
  const sayPasses = (im, t) => {
    const passes = tileStarts(im.width, t, o.overlap).length * tileStarts(im.height, t, o.overlap).length;
    if (passes > MANY_PASSES && !toldPasses) o.log?.(`note: ${im.width}x${im.height} in ${t}-pixel tiles with ${Math.round(o.overlap * 100)}% overlap is ${passes.toLocaleString("en-US")} network passes; a larger options.tiling.tile or a smaller options.tiling.overlap is faster`);
    toldPasses ||= passes > MANY_PASSES;
    return t;
  };
  const tileOf = (im) => {
    if (o.tile > 0) return im.width > o.tile || im.height > o.tile ? sayPasses(im, o.tile) : 0;
    if (o.tile === 0 && o.pixelBudget > 0 && im.width * im.height > o.pixelBudget) {
      if (!told) o.log?.(`note: ${im.width}x${im.height} exceeds ${+(o.pixelBudget / 1e6).toFixed(1)} megapixels; segmenting in ${o.autoTile}-pixel tiles with ${Math.round(o.overlap * 100)}% overlap (options.tiling.tile N to choose, options.tiling.pixelBudget 0 to never tile)`);
      told = true;
      return o.autoTile;
    }
    return 0;
  };
  const each = async (imgs, whole, tiled) => {
    if (imgs.every((im) => !tileOf(im))) return whole(imgs);
    const out = [];
    for (const im of imgs) {
      const t = tileOf(im);
      out.push(t ? await tiled(im, t) : (await whole([im]))[0]);
    }
    return out;
  };
  return {
    runtime: inner.runtime,
    card: inner.card,
    threshold: inner.threshold,
    predictBatch: (imgs, c) => each(imgs, (x) => inner.predictBatch(x, c), async (im, t) => (await tiledScores(inner, im, t, o.overlap, "labels", c?.signal)).labels),
    scoresBatch: (imgs, c) => each(imgs, (x) => inner.scoresBatch(x, c), async (im, t) => {
      const r = await tiledScores(inner, im, t, o.overlap, "scores", c?.signal);
      return { labels: r.labels, scores: r.scores };
    }),
    probabilitiesBatch: (imgs, c) => each(imgs, (x) => probabilitiesOf(inner, x, c), async (im, t) => {
      const r = await tiledScores(inner, im, t, o.overlap, "probabilities", c?.signal);
      return { labels: r.labels, prob8: r.prob8 };
    }),
    dispose: () => inner.dispose()
  };
}
function withScales(inner, scales) {
  if (scales.length === 0 || scales.length === 1 && scales[0] === 1) return inner;
  for (const s of scales) if (!(s >= 0.25 && s <= 4)) throw argumentError("scales", s, "use scales between 0.25 and 4");
  const C = inner.card.model.numClasses;
  const k = inner.card.output.scale ?? 1;
  const scoresOf = async (im, signal) => {
    const sum = new Float32Array(C * (im.width / k) * (im.height / k));
    for (const s of scales) {
      signal?.throwIfAborted();
      const w = Math.max(k, Math.round(im.width * s / k) * k), h = Math.max(k, Math.round(im.height * s / k) * k);
      const [r] = await inner.scoresBatch([s === 1 ? im : isRgb8(im) ? pillowBilinear(im, w, h) : resizeSamples(im, w, h)], { signal });
      const back = s === 1 ? r.scores : resizeChw(r.scores, C, h / k, w / k, im.height / k, im.width / k);
      for (let i = 0; i < sum.length; i++) sum[i] += back[i] / scales.length;
    }
    return { scores: sum, labels: labelsFromScores(sum, C, inner.threshold) };
  };
  const all = async (imgs, c) => {
    const out = [];
    for (const im of imgs) out.push(await scoresOf(im, c?.signal));
    return out;
  };
  return {
    runtime: inner.runtime,
    card: inner.card,
    threshold: inner.threshold,
    predictBatch: async (imgs, c) => (await all(imgs, c)).map((r) => r.labels),
    scoresBatch: all,
    dispose: () => inner.dispose()
  };
}

// src/inference/tta.ts
var TTA_MODES = ["none", "flip", "flip2", "d4"];
var ORIENTATIONS = {
  none: [],
  flip: [{ transpose: false, flipX: true, flipY: false }],
  flip2: [{ transpose: false, flipX: true, flipY: false }, { transpose: false, flipX: false, flipY: true }],
  // The 7 non-identity elements of the dihedral group: mirrors and 90-degree rotations, for
  // imagery without a preferred orientation (microscopy, aerial) and models trained on rotations.
  d4: [false, true].flatMap((transpose) => [[false, false], [true, false], [false, true], [true, true]].filter(([fx, fy]) => transpose || fx || fy).map(([flipX, flipY]) => ({ transpose, flipX, flipY })))
};
function sourceIndex(w, h, o) {
  const W = o.transpose ? h : w, H = o.transpose ? w : h, index = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const x1 = o.flipX ? W - 1 - x : x, y1 = o.flipY ? H - 1 - y : y;
    index[y * W + x] = o.transpose ? x1 * w + y1 : y1 * w + x1;
  }
  return { index, width: W, height: H };
}
function orientRgb(img, o) {
  const { index, width, height } = sourceIndex(img.width, img.height, o);
  const c = channelsOf(img), out = samplesLike(img.data, img.data.length);
  for (let p = 0; p < index.length; p++) {
    const i = index[p] * c, q = p * c;
    for (let k = 0; k < c; k++) out[q + k] = img.data[i + k];
  }
  return withSamples(img, out, width, height);
}
async function ttaScores(logits, imgs, c, mode, scale = 1) {
  const base = await logits(imgs);
  const w = imgs[0].width / scale, h = imgs[0].height / scale;
  const px = w * h;
  const n = ORIENTATIONS[mode].length + 1;
  for (const o of ORIENTATIONS[mode]) {
    const { index } = sourceIndex(w, h, o);
    const maps = await logits(imgs.map((im) => orientRgb(im, o)));
    maps.forEach((m, i) => {
      const acc = base[i];
      for (let k = 0; k < c; k++) {
        const a = acc.subarray(k * px, (k + 1) * px), s = m.subarray(k * px, (k + 1) * px);
        for (let p = 0; p < px; p++) a[index[p]] += s[p];
      }
    });
  }
  if (n > 1) for (const m of base) for (let i = 0; i < m.length; i++) m[i] /= n;
  return base;
}
async function predictWithTta(logits, imgs, c, mode, threshold, scale = 1) {
  return (await ttaScores(logits, imgs, c, mode, scale)).map((m) => labelsFromScores(m, c, threshold));
}
function reflectPad(img, n) {
  const { width: w, height: h } = img, W = w + 2 * n, H = h + 2 * n, c = channelsOf(img);
  const refl = (i, len) => {
    let j = i;
    while (j < 0 || j >= len) j = j < 0 ? -j : 2 * (len - 1) - j;
    return j;
  };
  const out = samplesLike(img.data, W * H * c);
  for (let y = 0; y < H; y++) {
    const sy = refl(y - n, h);
    for (let x = 0; x < W; x++) {
      const s = (sy * w + refl(x - n, w)) * c, o = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = img.data[s + k];
    }
  }
  return withSamples(img, out, W, H);
}
function cropChw(map, c, w, h, n) {
  const W = w + 2 * n, H = h + 2 * n, out = map instanceof Float32Array ? new Float32Array(c * w * h) : new Uint8Array(c * w * h);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) out.set(map.subarray(k * W * H + (y + n) * W + n, k * W * H + (y + n) * W + n + w), k * w * h + y * w);
  return out;
}
function cropLabels(labels, w, h, n) {
  return cropChw(labels, 1, w, h, n);
}

// src/inference/segmenter.ts
var segmenterOptionsShape = {
  tta: optional(_enum(TTA_MODES)),
  scales: optional(array(number2(), "expected a list of scales between 0.25 and 4, e.g. [0.75, 1, 1.25]")),
  tiling: optional(strictObject({
    tile: optional(number2()),
    overlap: optional(number2()),
    pixelBudget: optional(number2()),
    autoTile: optional(number2()),
    log: optional(fnOption)
  })),
  threshold: optional(strictObject({ cls: string2(), prob: number2() }, "expected { cls, prob }, e.g. { cls: 'membrane', prob: 0.4 }")),
  reflectPad: optional(number2()),
  inputSize: optional(tuple([number2(), number2()], "expected [height, width] in whole pixels, e.g. [512, 1024]")),
  filters: optional(record(string2(), fnOption)),
  log: optional(fnOption)
};
var TILING_HINTS = Object.fromEntries(["tile", "overlap", "pixelBudget", "autoTile"].map((k) => [k, `did you mean options.tiling.${k}?`]));
function createSegmenter(network, card, o = {}) {
  return imageSide(networkSide(network, card, o), o);
}
function networkSide(network, card, o = {}) {
  if (o.reflectPad != null && (o.reflectPad < 0 || !Number.isInteger(o.reflectPad))) throw argumentError("reflectPad", o.reflectPad, "expected a whole number of pixels >= 0");
  if (o.tta !== void 0 && !TTA_MODES.includes(o.tta)) throw argumentError("tta", o.tta, `use ${TTA_MODES.join(", ")}`);
  if (o.scales !== void 0 && !(Array.isArray(o.scales) && o.scales.length)) throw argumentError("scales", JSON.stringify(o.scales), "expected a list of scales between 0.25 and 4, e.g. [0.75, 1, 1.25]");
  const fixed = network.inputSize;
  if (o.inputSize && fixed && (checkedSize(o.inputSize)[0] !== fixed[0] || o.inputSize[1] !== fixed[1])) {
    throw argumentError("inputSize", o.inputSize.join("x"), `this model's graph takes ${fixed.join("x")} (height x width) only: its ONNX file fixes the size; leave the input size out`);
  }
  if (fixed && fixed[0] !== fixed[1] && o.tta === "d4") throw argumentError("tta", "d4", `this model's graph takes ${fixed.join("x")} (height x width) only: its ONNX file fixes the size, and quarter turns would give it ${fixed[1]}x${fixed[0]}; flip and flip2 can run`);
  if (fixed && o.scales?.some((s) => s !== 1)) throw argumentError("scales", o.scales.join(","), `this model's graph takes ${fixed.join("x")} (height x width) only: its ONNX file fixes the size, so other scales cannot run; mirror TTA (flip, flip2, d4) can`);
  const effective = o.inputSize ? withFixedInput(card, checkedSize(o.inputSize)) : card;
  const proc = new ImageProcessor(effective, o.filters);
  const core = runtimeSegmenter(network, proc, o.tta ?? "none", resolveThreshold(effective, o.threshold));
  const scaled = withScales(core, o.scales ?? [1]);
  const tiled = withTiling(scaled, { ...DEFAULT_TILING, log: o.log, ...o.tiling });
  if (!proc.fixedSize) return tiled;
  if (o.tiling?.tile) o.log?.(`note: this model resizes every image to ${netSize(proc.rule, 1, 1).join("x")} (width x height); tiles (options.tiling.tile ${o.tiling.tile}) are not used`);
  return scaled;
}
function imageSide(inner, o = {}) {
  return withReflectPad(withInputRule(inner, new ImageProcessor(inner.card, o.filters)), o.reflectPad ?? 0);
}
function runtimeSegmenter(net, proc, tta, threshold) {
  const C = proc.numClasses, kind = proc.output.kind;
  const labelsOf = (imgs) => batched(imgs, labelsOfSameSize);
  const labelsOfSameSize = async (imgs) => {
    const e = proc.encode(imgs);
    if (kind === "labels") return proc.labels(Uint8Array.from(await net.run(e.x, e.dims)), e);
    if (net.labels && proc.scale === 1) return proc.labels(await net.labels(e.x, e.dims), e);
    return proc.argmax(await net.run(e.x, e.dims), e);
  };
  const scoresOf = (imgs) => batched(imgs, async (x) => {
    if (kind === "labels") return (await labelsOfSameSize(x)).map((l) => proc.oneHot(l));
    const e = proc.encode(x);
    return proc.scores(await net.run(e.x, e.dims), e);
  });
  return {
    runtime: net.runtime,
    card: proc.card,
    threshold,
    async predictBatch(imgs) {
      if (tta === "none" && !threshold) return labelsOf(imgs);
      return predictWithTta(scoresOf, imgs, C, tta, threshold, proc.scale);
    },
    async scoresBatch(imgs) {
      return (await ttaScores(scoresOf, imgs, C, tta, proc.scale)).map((scores) => ({ scores, labels: labelsFromScores(scores, C, threshold) }));
    },
    dispose: () => net.dispose()
  };
}
async function batched(net, f) {
  return net.every((n) => n.width === net[0].width && n.height === net[0].height) ? f(net) : (await Promise.all(net.map((n) => f([n])))).flat();
}
function withInputRule(inner, proc) {
  if (proc.rule.kind === "native") return inner;
  const C = proc.numClasses, byLabels = proc.output.resizeBack === "labels";
  return {
    runtime: inner.runtime,
    card: inner.card,
    threshold: inner.threshold,
    async predictBatch(imgs, o) {
      const net = await proc.toNetwork(imgs);
      if (byLabels) return (await batched(net, (x) => inner.predictBatch(x, o))).map((l, i) => proc.labelsBack(l, net[i], imgs[i]));
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => proc.atImageSize(net[i], imgs[i]) ? r.labels : inner.threshold ? labelsFromScores(proc.scoresBack(r.scores, net[i], imgs[i]), C, inner.threshold) : proc.labelsFromScoresBack(r.scores, net[i], imgs[i]));
    },
    async scoresBatch(imgs, o) {
      const net = await proc.toNetwork(imgs);
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => {
        const scores = proc.scoresBack(r.scores, net[i], imgs[i]);
        return { scores, labels: byLabels ? proc.labelsBack(r.labels, net[i], imgs[i]) : proc.atImageSize(net[i], imgs[i]) ? r.labels : labelsFromScores(scores, C, inner.threshold) };
      });
    },
    async probabilitiesBatch(imgs, o) {
      const net = await proc.toNetwork(imgs);
      const out = await batched(net, (x) => inner.scoresBatch(x, o));
      return out.map((r, i) => {
        if (inner.threshold && !byLabels && !proc.atImageSize(net[i], imgs[i])) {
          const scores = proc.scoresBack(r.scores, net[i], imgs[i]);
          return { labels: labelsFromScores(scores, C, inner.threshold), prob8: probabilities8(scores, C) };
        }
        const labels = byLabels ? proc.labelsBack(r.labels, net[i], imgs[i]) : proc.atImageSize(net[i], imgs[i]) ? r.labels : proc.labelsFromScoresBack(r.scores, net[i], imgs[i]);
        return { labels, prob8: proc.probabilitiesBack(r.scores, net[i], imgs[i]) };
      });
    },
    dispose: () => inner.dispose()
  };
}
function withReflectPad(inner, n) {
  if (!n) return inner;
  const C = inner.card.model.numClasses;
  return {
    runtime: inner.runtime,
    card: inner.card,
    threshold: inner.threshold,
    async predictBatch(imgs, o) {
      const out = await inner.predictBatch(imgs.map((im) => reflectPad(im, n)), o);
      return out.map((l, i) => cropLabels(l, imgs[i].width, imgs[i].height, n));
    },
    async scoresBatch(imgs, o) {
      const out = await inner.scoresBatch(imgs.map((im) => reflectPad(im, n)), o);
      return out.map((r, i) => {
        const { width: w, height: h } = imgs[i];
        return { labels: cropLabels(r.labels, w, h, n), scores: cropChw(r.scores, C, w, h, n) };
      });
    },
    ...inner.probabilitiesBatch && {
      async probabilitiesBatch(imgs, o) {
        const out = await inner.probabilitiesBatch(imgs.map((im) => reflectPad(im, n)), o);
        return out.map((r, i) => {
          const { width: w, height: h } = imgs[i];
          return { labels: cropLabels(r.labels, w, h, n), prob8: cropChw(r.prob8, C, w, h, n) };
        });
      }
    },
    dispose: () => inner.dispose()
  };
}
function checkedSize(size) {
  if (!(size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))) throw argumentError("inputSize", size.join("x"), "expected [height, width] in whole pixels, e.g. [512, 1024]");
  return size;
}
function resolveThreshold(card, t) {
  if (!t) return void 0;
  const names = card.classes.map((c) => c.name);
  const byName = names.indexOf(t.cls);
  const id = byName >= 0 ? byName : /^\d+$/.test(t.cls) ? Number(t.cls) : -1;
  if (id < 0 || id >= names.length) throw argumentError("threshold", `${t.cls}=${t.prob}`, `no class ${t.cls} in this model (classes: ${names.join(", ")})`);
  if (!(t.prob > 0 && t.prob < 1)) throw argumentError("threshold", `${t.cls}=${t.prob}`, "expected a probability between 0 and 1 (exclusive), e.g. { cls: 'membrane', prob: 0.4 }");
  return { classId: id, prob: t.prob };
}
function byAspect(parts, card = parts[0].card) {
  if (parts.length === 1) return parts[0];
  const pick2 = (im) => nearestAspect(parts.map((s) => s.card), im.width, im.height);
  const route = async (imgs, run) => {
    const which = imgs.map(pick2), out = new Array(imgs.length);
    for (const k of new Set(which)) {
      const idx = which.flatMap((w, i) => w === k ? [i] : []);
      const got = await run(parts[k], idx.map((i) => imgs[i]));
      idx.forEach((i, j) => {
        out[i] = got[j];
      });
    }
    return out;
  };
  return {
    runtime: parts[0].runtime,
    card,
    threshold: parts[0].threshold,
    predictBatch: (imgs, o) => route(imgs, (s, x) => s.predictBatch(x, o)),
    scoresBatch: (imgs, o) => route(imgs, (s, x) => s.scoresBatch(x, o)),
    ...parts.every((s) => s.probabilitiesBatch) && { probabilitiesBatch: (imgs, o) => route(imgs, (s, x) => s.probabilitiesBatch(x, o)) },
    async dispose() {
      for (const s of parts) await s.dispose();
    }
  };
}
function nearestAspect(cards, width, height) {
  if (cards.length === 1) return 0;
  const a = Math.log(width / height);
  const off = (c) => {
    const r = c.input.rule;
    return Math.abs(Math.log(r.size[1] / r.size[0]) - a);
  };
  return cards.reduce((best, c, i) => off(c) < off(cards[best]) ? i : best, 0);
}

// src/inference/smoothing.ts
function withSmoothing(inner, smooth) {
  if (!(smooth >= 0 && smooth < 1)) throw argumentError("smooth", smooth, "must be at least 0 and below 1");
  if (smooth === 0) return inner;
  const C = inner.card.model.numClasses;
  let ema = null;
  let previous = Promise.resolve();
  const scored = (imgs, o) => {
    const run = inner.scoresBatch(imgs, o);
    const mixed = previous.then(() => run).then((out) => out.map((r) => {
      const s = r.scores;
      if (ema && ema.length === s.length) for (let k = 0; k < s.length; k++) s[k] = smooth * ema[k] + (1 - smooth) * s[k];
      ema = s;
      return { scores: s, labels: labelsFromScores(s, C, inner.threshold) };
    }));
    previous = mixed.catch(() => {
    });
    return mixed;
  };
  return {
    runtime: inner.runtime,
    card: inner.card,
    threshold: inner.threshold,
    predictBatch: async (imgs, o) => (await scored(imgs, o)).map((r) => r.labels),
    scoresBatch: scored,
    dispose: () => inner.dispose()
  };
}

// src/util/lifetime.ts
var Lifetime = class {
  /** `what`: how errors name the thing, e.g. "model voc". */
  constructor(what) {
    this.what = what;
  }
  what;
  running = /* @__PURE__ */ new Set();
  enders = /* @__PURE__ */ new Map();
  closing = null;
  get disposed() {
    return this.closing != null;
  }
  refused() {
    return new UserError(`${this.what}: disposed; load() it again to use it`, 2, "model");
  }
  /** Runs `f` unless disposed (then rejects with a UserError naming the model). */
  run(f) {
    if (this.closing) return Promise.reject(this.refused());
    const p = f();
    this.running.add(p);
    const done = () => {
      this.running.delete(p);
    };
    p.then(done, done);
    return p;
  }
  /**
   * A stream of results in flight until the returned function is called. dispose() ends it with
   * `end` (its consumer may never ask for the next result, so it cannot wait for the stream to
   * finish) and then counts it finished. Throws if disposed.
   */
  hold(end) {
    if (this.closing) throw this.refused();
    let release;
    const p = new Promise((resolve) => {
      release = resolve;
    });
    this.running.add(p);
    this.enders.set(p, async () => {
      await end().catch(() => {
      });
      release();
    });
    void p.then(() => {
      this.running.delete(p);
      this.enders.delete(p);
    });
    return release;
  }
  /** Once: the streams in flight ended, after the calls in flight have settled, `release`. */
  dispose(release) {
    return this.closing ??= Promise.all([...this.enders.values()].map((end) => end())).then(() => Promise.allSettled([...this.running])).then(release);
  }
};

// src/render/simd/overlay_wasm.ts
var wasmBase646 = "AGFzbQEAAAABCgFgBn9/f39/fwADAgEABQMBAAEHFAIGbWVtb3J5AgAHb3ZlcmxheQAACoEBAX8BA38gASACaiEGAkADQCABIAZPDQEgAS0AACEHIAcgBUsEQCAFIQcLIAQgB0GABmxqIQggAyAIIAAtAABqLQAAOgAAIAMgCCAALQABai0AgAI6AAEgAyAIIAAtAAJqLQCABDoAAiABQQFqIQEgAEEDaiEAIANBA2ohAwwACwsL";

// src/render/colorize.ts
var kernel = lazyModule(wasmBase646);
function colorize(labels, width, height, palette) {
  labels = checkedLabelMap(labels, width, height);
  if (!Array.isArray(palette)) throw argumentError("palette", palette, "expected an array of [r, g, b] colours, one per class id");
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]] ?? [0, 0, 0];
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return { data: out, width, height };
}
function checkedAlpha(alpha) {
  if (!(typeof alpha === "number" && alpha >= 0 && alpha <= 1)) throw argumentError("alpha", alpha, "expected an opacity from 0 to 1");
  return alpha;
}
function overlay(photo, mask, alpha) {
  const a = checkedAlpha(alpha), b = 1 - a;
  const n = photo?.width * photo?.height * 3;
  if (!(photo?.data?.length === n && n > 0)) throw new UserError(`photo: expected { data: width*height*3 RGB bytes, width, height }, got ${photo?.data?.length} bytes for ${photo?.width}x${photo?.height}`, 2, "photo");
  if (!(mask?.width === photo.width && mask?.height === photo.height && mask.data?.length === n)) throw new UserError(`mask: ${mask?.width}x${mask?.height} (${mask?.data?.length} bytes) over a ${photo.width}x${photo.height} photo; give a colour mask of the photo's size (colorize)`, 2, "mask");
  const out = new Uint8Array(n);
  for (let i = 0; i < out.length; i++) out[i] = photo.data[i] * b + mask.data[i] * a + 0.5;
  return { data: out, width: photo.width, height: photo.height };
}

// src/web/index.ts
var WEB_RUNTIMES = ["auto", "wasm", "webgpu"];
var DEFAULT_MIN_AGREEMENT = 0.99;
var webLoadOptionsSchema = strictObject({
  runtime: optional(string2()),
  minAgreement: optional(number2()),
  onRuntime: optional(fnOption),
  wasmPaths: optional(string2()),
  threads: optional(number2())
});
var webSegmentOptionsShape = { probabilities: optional(boolean2()) };
var webSegmentOptionsSchema = strictObject(webSegmentOptionsShape);
var webStreamOptionsSchema = strictObject({
  ...webSegmentOptionsShape,
  smooth: optional(number2()),
  onError: optional(fnOption)
});
var webBackgroundSchema = strictObject({
  ...effectOptionsShape,
  probability: optional(custom((v) => v instanceof Float32Array, "expected a Float32Array, one probability per pixel"))
});
var webOverlaySchema = strictObject({ alpha: optional(number2()), hide: optional(array(number2(), "expected a list of class ids")) });
async function load(model, given = {}) {
  const o = checkedOptions(webLoadOptionsSchema, given, "load()");
  if (typeof model !== "string" && !(typeof model === "object" && model !== null && "card" in model && "onnx" in model)) {
    throw new UserError(`model: got ${model === null ? "null" : typeof model === "object" ? "an object without card and onnx" : `a ${typeof model}`}; give a model folder's URL or { card, onnx }`, 2, "model");
  }
  if (o.runtime !== void 0 && !WEB_RUNTIMES.includes(o.runtime)) throw argumentError("runtime", o.runtime, `use ${WEB_RUNTIMES.join(", ")}`);
  if (o.threads !== void 0 && !(Number.isInteger(o.threads) && o.threads >= 1)) throw argumentError("threads", o.threads, "expected a whole number of wasm threads, 1 or more");
  if (o.wasmPaths) ort.env.wasm.wasmPaths = o.wasmPaths;
  if (o.threads) ort.env.wasm.numThreads = o.threads;
  let raw, where;
  if (typeof model === "string") {
    const base = model.replace(/\/?$/, "/");
    where = base + "model.json";
    raw = await fetchOk(where).then((r) => r.json());
  } else {
    where = "card";
    raw = model.card;
  }
  const parsed = parseCard(raw, () => void 0);
  if ("error" in parsed) throw new UserError(`${where}: ${parsed.error}`, 2, "model");
  const { card } = parsed;
  const cards = typeof model === "string" ? variantCards(card) : [variantCards(card)[0]];
  let graphs;
  if (typeof model === "string") {
    if (!card.onnx) throw new UserError(`${where}: the model has no ONNX file (export one with \`pixelwise export\`)`, 2, "model");
    graphs = [];
    for (const c of cards) graphs.push(new Uint8Array(await (await fetchOk(model.replace(/\/?$/, "/") + c.onnx)).arrayBuffer()));
  } else graphs = [model.onnx instanceof Uint8Array ? model.onnx : new Uint8Array(model.onnx)];
  const segmenterOf = (n, c) => createSegmenter(n, c, { filters: { sharp: BUILT_IN_FILTERS.pillow } });
  const build = async (ep) => {
    const nets = [];
    try {
      for (const g of graphs) nets.push(await OrtWebNetwork.create(g, ep, card.model.numClasses));
    } catch (e) {
      await Promise.all(nets.map((n) => n.dispose()));
      throw e;
    }
    const parts = nets.map((n, i) => segmenterOf(n, cards[i]));
    return { ep, nets, seg: parts.length > 1 ? byAspect(parts, card) : parts[0] };
  };
  const wanted2 = o.runtime ?? "auto";
  const check = { runtime: "wasm" };
  let gpu = null;
  if (wanted2 !== "wasm") {
    const why = await webGpuMissing();
    if (why) check.reason = why;
    else {
      try {
        gpu = await build("webgpu");
      } catch (e) {
        check.reason = `WebGPU could not run the model (${e.message.split("\n")[0]})`;
      }
    }
    if (!gpu && wanted2 === "webgpu") throw new UserError(`${where}: runtime webgpu: ${check.reason}`, 2, "runtime");
  }
  let active = gpu && wanted2 === "webgpu" ? gpu : await build("wasm");
  let reference = gpu && wanted2 === "auto" ? active : null;
  if (gpu && wanted2 === "auto") active = gpu;
  if (gpu && wanted2 === "webgpu") check.runtime = "webgpu";
  const seg = { get current() {
    return active.seg;
  } };
  const networks = { get all() {
    return [...active.nets, ...reference?.nets ?? []];
  } };
  let checking = null;
  const firstCheck = (image) => checking ??= compareRuntimes(image);
  const compareRuntimes = async (image) => {
    if (!reference || active === reference) return;
    const [a] = await active.seg.predictBatch([image]), [b] = await reference.seg.predictBatch([image]);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    check.agreement = same / a.length;
    const keep = check.agreement >= (o.minAgreement ?? DEFAULT_MIN_AGREEMENT);
    const [kept, dropped] = keep ? [active, reference] : [reference, active];
    if (!keep) check.reason = `WebGPU's label map agrees with wasm's on ${(100 * check.agreement).toFixed(2)}% of pixels, below ${(100 * (o.minAgreement ?? DEFAULT_MIN_AGREEMENT)).toFixed(2)}%: running on wasm`;
    check.runtime = kept.ep;
    active = kept;
    reference = null;
    await dropped.seg.dispose();
    o.onRuntime?.(check);
  };
  if (!gpu || wanted2 !== "auto") o.onRuntime?.(check);
  const lifetime = new Lifetime(`model ${typeof model === "string" ? model : "(card and ONNX given)"}`);
  const network = { get ms() {
    return networks.all.reduce((t, n) => t + n.ms, 0);
  } };
  const segmentWith = async (s, image, so) => {
    const t0 = performance.now(), ran = network.ms;
    let labels, prob8 = null;
    if (so.probabilities) {
      const [r] = await probabilitiesOf(s, [image]);
      labels = r.labels;
      prob8 = r.prob8;
    } else if (so.smooth) [{ labels }] = await s.scoresBatch([image]);
    else [labels] = await s.predictBatch([image]);
    const inference = network.ms - ran, total = performance.now() - t0;
    return fromLabels(image, labels, card.classes, { preprocess: 0, inference, postprocess: total - inference }, prob8);
  };
  return {
    card,
    get runtimeCheck() {
      return { ...check };
    },
    get labelsFromHead() {
      return active.nets.every((n) => n.labelsFromHead);
    },
    segment: (input, given2 = {}) => lifetime.run(async () => {
      const so = checkedOptions(webSegmentOptionsSchema, given2, "segment()");
      const image = await toRgbAsync(input);
      await firstCheck(image);
      return segmentWith(seg.current, image, so);
    }),
    segmentStream(video, onResult, given2 = {}) {
      const so = checkedOptions(webStreamOptionsSchema, given2, "segmentStream()");
      let smoothed = null, smoothedFor = null;
      let stopped = false, busy = false, frames = 0, dropped = 0;
      const v = video;
      let lastPresented = -1;
      const next = () => {
        if (!stopped) {
          if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(onFrame);
          else requestAnimationFrame(() => onFrame());
        }
      };
      const onFrame = (_now, meta2) => {
        if (lifetime.disposed) stopped = true;
        if (stopped) return;
        if (meta2) {
          if (lastPresented >= 0) dropped += Math.max(0, meta2.presentedFrames - lastPresented - 1);
          lastPresented = meta2.presentedFrames;
        }
        if (busy || !video.videoWidth) {
          if (busy) dropped++;
          next();
          return;
        }
        busy = true;
        const image = toRgb(video);
        next();
        lifetime.run(async () => {
          await firstCheck(image);
          if (smoothedFor !== seg.current) {
            smoothed = withSmoothing(seg.current, so.smooth ?? 0);
            smoothedFor = seg.current;
          }
          return segmentWith(smoothed, image, so);
        }).then((r) => {
          frames++;
          onResult(r);
        }).catch((e) => so.onError?.(e)).finally(() => {
          busy = false;
        });
      };
      next();
      return { stop: () => {
        stopped = true;
      }, get frames() {
        return frames;
      }, get dropped() {
        return dropped;
      } };
    },
    dispose: () => lifetime.dispose(async () => {
      await active.seg.dispose();
      if (reference && reference !== active) await reference.seg.dispose();
    })
  };
}
async function webGpuMissing() {
  const gpu = navigator.gpu;
  if (!gpu) return "this browser has no WebGPU (navigator.gpu)";
  try {
    return await gpu.requestAdapter() ? null : "WebGPU has no adapter here";
  } catch (e) {
    return `WebGPU adapter: ${e.message}`;
  }
}
var OrtWebNetwork = class _OrtWebNetwork {
  constructor(graph, opts, ep, session, head, numClasses) {
    this.graph = graph;
    this.opts = opts;
    this.ep = ep;
    this.session = session;
    this.head = head;
    this.numClasses = numClasses;
    this.inputSize = fixedInputSize(graph);
  }
  graph;
  opts;
  ep;
  session;
  head;
  numClasses;
  runtime = "onnx-web";
  /** Milliseconds spent in runs so far. */
  ms = 0;
  inputSize;
  static async create(graph, ep, numClasses) {
    const opts = { executionProviders: [ep], graphOptimizationLevel: "all" };
    const tail = numClasses <= 256 ? linearResizeTail(graph) : null;
    let head = null;
    if (tail) {
      let session = null;
      try {
        session = await ort.InferenceSession.create(tail.head, opts);
        const probe = probeInput(tail);
        const out = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", probe.data, probe.dims) });
        if (enlargesEnough(out[tail.output].dims, probe.dims)) head = { tail, session };
      } catch {
      }
      if (!head) await session?.release();
    }
    return new _OrtWebNetwork(graph, opts, ep, head ? null : await ort.InferenceSession.create(graph, opts), head, numClasses);
  }
  /** Whether label maps come from the graph cut before its last Resize. */
  get labelsFromHead() {
    return this.head != null;
  }
  async run(x, dims) {
    this.session ??= await ort.InferenceSession.create(this.graph, this.opts);
    const t0 = performance.now();
    const out = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor("float32", x, dims) });
    this.ms += performance.now() - t0;
    return out[this.session.outputNames[0]].data;
  }
  async labels(x, dims) {
    if (this.head) {
      const { session, tail } = this.head, t0 = performance.now();
      const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x, dims) }))[tail.output];
      this.ms += performance.now() - t0;
      const labels2 = labelsFromHead(await out.getData(), out.dims, dims, tail.mode);
      out.dispose();
      if (labels2) return labels2;
    }
    const [n, , h, w] = dims, scores = await this.run(x, dims), labels = new Uint8Array(n * h * w);
    for (let i = 0; i < n; i++) labels.set(argmaxPadded(scores, i, this.numClasses, h, w, w, h), i * h * w);
    return labels;
  }
  async dispose() {
    await this.head?.session.release();
    await this.session?.release();
  }
};
async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new UserError(`${url}: HTTP ${r.status}`, 2, "model");
  return r;
}
var NO_PROBABILITIES = "this result has no probabilities: segment with { probabilities: true }";
function fromLabels(image, labels, classes, timings = { preprocess: 0, inference: 0, postprocess: 0 }, prob8 = null) {
  image = checkedRgb8(image);
  const { width, height } = image;
  labels = checkedLabelMap(labels, width, height);
  const palette = classes.map((c) => c.color);
  const probability = (wanted2) => {
    if (!prob8) throw new UserError(NO_PROBABILITIES);
    return probabilityOf(prob8, classes.length, classIds(classes, wanted2, "class"));
  };
  return {
    labels,
    width,
    height,
    image,
    timings,
    classes: classAreas(labels, classes),
    probability,
    confidenceMasks() {
      if (!prob8) throw new UserError(NO_PROBABILITIES);
      return confidenceMasks(prob8, classes.length);
    },
    background(given) {
      const o = checkedOptions(webBackgroundSchema, given, "background()");
      const kind = chosenEffect(o);
      const alpha = matte(o.probability ?? probability(o.keep));
      if (alpha.length !== width * height) throw new UserError(`probability: ${alpha.length} values for ${width}x${height} pixels; give one per pixel`, 2, "probability");
      if (kind === "transparent") {
        const out = toImageData(image);
        for (let p = 0; p < alpha.length; p++) out.data[p * 4 + 3] = Math.round(alpha[p] * 255);
        return out;
      }
      const back = kind === "blur" ? gaussianBlur(image, o.blur) : kind === "color" ? solidColour(width, height, typeof o.color === "string" ? parseColor(o.color, "background color") : o.color) : kind === "image" ? cover(toRgb(o.image), width, height) : greyscale(image);
      return toImageData(composite(image, back, alpha));
    },
    colorMask: () => toImageData(colorize(labels, width, height, palette)),
    overlay(given) {
      const { alpha = 0.5, hide: hide2 = [] } = checkedOptions(webOverlaySchema, given, "overlay()");
      const shown2 = hide2.length ? labels.map((l) => hide2.includes(l) ? 255 : l) : labels;
      const mask = colorize(shown2, width, height, palette);
      const blended = overlay(image, mask, checkedAlpha(alpha));
      if (hide2.length) {
        for (let p = 0; p < shown2.length; p++) if (shown2[p] === 255) blended.data.set(image.data.subarray(p * 3, p * 3 + 3), p * 3);
      }
      return toImageData(blended);
    }
  };
}
function cover(img, width, height) {
  const [x, y, w, h] = coverBox(img.width, img.height, width, height).map(Math.round);
  const crop = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) crop.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return pillowBilinear({ data: crop, width: w, height: h }, width, height);
}
async function toRgbAsync(input) {
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    const bitmap = await createImageBitmap(input);
    try {
      return toRgb(bitmap);
    } finally {
      bitmap.close();
    }
  }
  return toRgb(input);
}
function toRgb(input) {
  if (typeof Blob !== "undefined" && input instanceof Blob) throw new UserError("input: a Blob is an encoded image: segment() reads it (toRgbAsync)", 2, "input");
  return checkedRgb8("data" in input ? input : rgbaOf(input));
}
function rgbaOf(src) {
  const [width, height] = "videoWidth" in src ? [src.videoWidth, src.videoHeight] : "naturalWidth" in src ? [src.naturalWidth, src.naturalHeight] : "displayWidth" in src ? [src.displayWidth, src.displayHeight] : [src.width, src.height];
  if (!width || !height) throw new UserError("input: the image or video has no pixels yet (not loaded, or no frame decoded)", 2, "input");
  if (!scratch || scratch.canvas.width !== width || scratch.canvas.height !== height) {
    const canvas = new OffscreenCanvas(width, height);
    scratch = { canvas, ctx: canvas.getContext("2d", { willReadFrequently: true }) };
  }
  scratch.ctx.clearRect(0, 0, width, height);
  scratch.ctx.drawImage(src, 0, 0);
  return scratch.ctx.getImageData(0, 0, width, height);
}
var scratch = null;
function toImageData(rgb) {
  const n = rgb.width * rgb.height, rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    rgba[p * 4] = rgb.data[p * 3];
    rgba[p * 4 + 1] = rgb.data[p * 3 + 1];
    rgba[p * 4 + 2] = rgb.data[p * 3 + 2];
    rgba[p * 4 + 3] = 255;
  }
  return new ImageData(rgba, rgb.width, rgb.height);
}
export {
  DEFAULT_MIN_AGREEMENT,
  UserError,
  fromLabels,
  load,
  toImageData,
  toRgb,
  toRgbAsync
};
//# sourceMappingURL=pixelwise-web.js.map
