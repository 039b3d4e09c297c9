"""The half of the bridge that runs inside the candidate's kernel.

Its source (with codec.py's) is sent into the sandboxed kernel before any
candidate code runs. It answers the trusted kernel's requests (look up a name,
read an attribute, call, index, iterate) and publishes each answer as a display
message holding JSON. Candidate code can replace or break it, or send any JSON
it likes: that changes only which data comes back, and data (or a number naming
a handle) is all the trusted side accepts. What a value claims to be (its
`__module__`, `__qualname__`, type name) is never sent, with one exception: a
module says its name, and the trusted side substitutes its own import of that
name when it is on an exact list (so `np` in a test means numpy), a handle otherwise.
"""

import json
import types

MIME = "text/x-mlassess-bridge"


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
        """A value that is not data (a function, a model) crosses as a handle: a number."""
        if isinstance(value, types.ModuleType):
            return {"$": "module", "name": str(getattr(value, "__name__", "")), "id": self._keep(value)}
        return {"$": "ref", "id": self._keep(value)}

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
            reply = json.dumps(
                {"$": "raise", "types": [c.__name__ for c in type(exc).__mro__], "message": str(exc)[:4000]}
            )
        self.publish({MIME: reply})
