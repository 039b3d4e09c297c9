"""The half of the bridge that runs inside the candidate's kernel.

Its source (with codec.py's) is sent into the sandboxed kernel before any
candidate code runs. It answers the trusted kernel's requests (look up a name,
read an attribute, call, index, iterate) and publishes each answer as a display
message holding JSON. Candidate code can replace or break it: that changes only
which data comes back, and data is all the trusted side accepts.
"""
import json
import types

MIME = "text/x-mlassess-bridge"
LIBRARY_CALLABLES = (types.FunctionType, types.BuiltinFunctionType, type)


class CandidateBridge:
    def __init__(self, namespace, codec, publish):
        self.namespace = namespace
        self.codec = codec
        self.publish = publish
        self.handles = {}

    def _keep(self, value):
        self.handles[len(self.handles) + 1] = value
        return len(self.handles)

    def _describe(self, value):
        """How a value that is not data crosses: a module or library callable by
        name (the trusted side imports its own copy), anything else as a handle."""
        ref = self._keep(value)
        if isinstance(value, types.ModuleType):
            return {"$": "module", "name": value.__name__, "id": ref}
        owner, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
        if isinstance(value, LIBRARY_CALLABLES) and owner and owner != "__main__" and "<" not in qualname:
            return {"$": "import", "module": owner, "qualname": qualname, "id": ref}
        kind = type(value)
        return {"$": "ref", "id": ref, "type": f"{kind.__module__}.{kind.__qualname__}"}

    def _arg(self, data):
        return self.handles[data["id"]]

    def _decode(self, data):
        return self.codec.decode(data, self._arg)

    def _run(self, request):
        op = request["op"]
        if op == "lookup":
            name = request["name"]
            if name not in self.namespace:
                raise NameError(f"name '{name}' is not defined")
            return self.namespace[name]
        target = self.handles[request["id"]]
        if op == "getattr":
            return getattr(target, request["name"])
        if op == "setattr":
            setattr(target, request["name"], self._decode(request["value"]))
            return None
        if op == "call":
            return target(*self._decode(request["args"]), **self._decode(request["kwargs"]))
        if op == "getitem":
            return target[self._decode(request["key"])]
        if op == "len":
            return len(target)
        if op == "iter":
            items = []
            for item in target:
                items.append(item)
                if len(items) > self.codec.MAX_ITEMS:
                    raise ValueError("too many items to iterate")
            return items
        if op == "bool":
            return bool(target)
        raise ValueError(f"unknown bridge operation {op!r}")

    def serve(self, request_text):
        try:
            reply = self.codec.dumps(self._run(json.loads(request_text)), self._describe)
        except BaseException as exc:  # the trusted side decides what a failure means
            reply = json.dumps({"$": "raise", "types": [c.__name__ for c in type(exc).__mro__],
                                "message": str(exc)[:4000]})
        self.publish({MIME: reply})
