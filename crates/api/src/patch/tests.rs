use serde_json::json;

use super::*;

#[test]
fn content_types() {
    assert_eq!(
        PatchType::from_content_type("application/json-patch+json"),
        Some(PatchType::Json)
    );
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
        Some(PatchType::Merge)
    );
    assert_eq!(
        PatchType::from_content_type("application/strategic-merge-patch+json"),
        Some(PatchType::StrategicMerge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml"),
        Some(PatchType::Apply)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+cbor"),
        None
    );
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+cbor"),
        None
    );
    assert_eq!(PatchType::from_content_type("application/json"), None);
    for t in [
        PatchType::Json,
        PatchType::Merge,
        PatchType::StrategicMerge,
        PatchType::Apply,
    ] {
        assert_eq!(PatchType::from_content_type(t.content_type()), Some(t));
    }
}

/// RFC 6902 appendix A.
#[test]
fn rfc6902_vectors() {
    let ok = [
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": "qux"}]),
            json!({"baz": "qux", "foo": "bar"}),
        ),
        (
            json!({"foo": ["bar", "baz"]}),
            json!([{"op": "add", "path": "/foo/1", "value": "qux"}]),
            json!({"foo": ["bar", "qux", "baz"]}),
        ),
        (
            json!({"baz": "qux", "foo": "bar"}),
            json!([{"op": "remove", "path": "/baz"}]),
            json!({"foo": "bar"}),
        ),
        (
            json!({"foo": ["bar", "qux", "baz"]}),
            json!([{"op": "remove", "path": "/foo/1"}]),
            json!({"foo": ["bar", "baz"]}),
        ),
        (
            json!({"baz": "qux", "foo": "bar"}),
            json!([{"op": "replace", "path": "/baz", "value": "boo"}]),
            json!({"baz": "boo", "foo": "bar"}),
        ),
        (
            json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
            json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
        ),
        (
            json!({"foo": ["all", "grass", "cows", "eat"]}),
            json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}]),
            json!({"foo": ["all", "cows", "eat", "grass"]}),
        ),
        (
            json!({"baz": "qux", "foo": ["a", 2, "c"]}),
            json!([{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]),
            json!({"baz": "qux", "foo": ["a", 2, "c"]}),
        ),
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}]),
            json!({"foo": "bar", "child": {"grandchild": {}}}),
        ),
        (
            json!({"foo": "bar"}),
            json!([{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]),
            json!({"foo": "bar", "baz": "qux"}),
        ),
        (
            json!({"/": 9, "~1": 10}),
            json!([{"op": "test", "path": "/~01", "value": 10}]),
            json!({"/": 9, "~1": 10}),
        ),
        (
            json!({"foo": ["bar"]}),
            json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]),
            json!({"foo": ["bar", ["abc", "def"]]}),
        ),
        (
            json!({"foo": {"bar": 1}}),
            json!([{"op": "copy", "from": "/foo", "path": "/baz"}]),
            json!({"foo": {"bar": 1}, "baz": {"bar": 1}}),
        ),
    ];
    for (doc, patch, want) in ok {
        assert_eq!(
            apply_json_patch(&doc, &patch).unwrap(),
            want,
            "patch {patch}"
        );
    }
}

#[test]
fn json_patch_errors_as_kubernetes_words_them() {
    let doc = json!({"baz": "qux", "spec": {"replicas": 1}, "list": [1]});
    let cases = [
        (json!([{"op": "test", "path": "/baz", "value": "bar"}]), "testing value /baz failed: test failed"),
        (
            json!([{"op": "add", "path": "/baz/bat/x", "value": "qux"}]),
            "add operation does not apply: doc is missing path: \"/baz/bat/x\": missing value",
        ),
        (
            json!([{"op": "remove", "path": "/spec/nope"}]),
            "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: missing value",
        ),
        (
            json!([{"op": "replace", "path": "/spec/nope", "value": 1}]),
            "replace operation does not apply: doc is missing key: /spec/nope: missing value",
        ),
        (
            json!([{"op": "add", "path": "/list/5", "value": 1}]),
            "error in add for path: '/list/5': Unable to access invalid index: 5: invalid index referenced",
        ),
        (json!([{"op": "frob", "path": "/baz"}]), "Unexpected kind: frob"),
        (
            json!([{"op": "test", "path": "/baz", "value": "bar"}, {"op": "frob"}]),
            "testing value /baz failed: test failed",
        ),
        (
            json!([{"op": "add", "value": 1}]),
            "add operation failed to decode path: missing value",
        ),
        (
            json!([{"op": "replace", "value": 1}]),
            "replace operation failed to decode path: operation missing path field: missing value",
        ),
        (
            json!([{"op": "move", "path": "/x"}]),
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
    ];
    for (patch, detail) in cases {
        let err = apply_json_patch(&doc, &patch).unwrap_err();
        assert_eq!(
            err,
            PatchError::Unprocessable {
                detail: detail.to_string()
            },
            "patch {patch}"
        );
        assert_eq!(err.code(), 422);
        assert_eq!(
            err.to_string(),
            "the server rejected our request due to an error in our request"
        );
    }
    // A failing operation leaves nothing applied, and the message is about the state
    // the earlier operations produced.
    let patch = json!([
        {"op": "remove", "path": "/baz"},
        {"op": "test", "path": "/baz", "value": "qux"}
    ]);
    let err = apply_json_patch(&doc, &patch).unwrap_err();
    assert_eq!(
        err.cause(),
        Some((
            "UnexpectedServerResponse",
            "testing value /baz failed: test failed"
        ))
    );

    let err = apply_json_patch(&doc, &json!({"op": "add"})).unwrap_err();
    assert_eq!(err.code(), 400);
    assert_eq!(
        err.to_string(),
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
    );
}

/// RFC 7386 appendix A (the `null` patch is refused, as Kubernetes does).
#[test]
fn rfc7386_vectors() {
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (
            json!({"a": "b"}),
            json!({"b": "c"}),
            json!({"a": "b", "b": "c"}),
        ),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (
            json!({"a": "b", "b": "c"}),
            json!({"a": null}),
            json!({"b": "c"}),
        ),
        (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
        (
            json!({"a": {"b": "c"}}),
            json!({"a": {"b": "d", "c": null}}),
            json!({"a": {"b": "d"}}),
        ),
        (
            json!({"a": [{"b": "c"}]}),
            json!({"a": [1]}),
            json!({"a": [1]}),
        ),
        (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
        (json!({"a": "b"}), json!(["c"]), json!(["c"])),
        (json!({"a": "foo"}), json!("bar"), json!("bar")),
        (
            json!({"e": null}),
            json!({"a": 1}),
            json!({"e": null, "a": 1}),
        ),
        (
            json!([1, 2]),
            json!({"a": "b", "c": null}),
            json!({"a": "b"}),
        ),
        (
            json!({}),
            json!({"a": {"bb": {"ccc": null}}}),
            json!({"a": {"bb": {}}}),
        ),
    ];
    for (doc, patch, want) in cases {
        assert_eq!(
            apply_merge_patch(&doc, &patch).unwrap(),
            want,
            "patch {patch}"
        );
    }
    assert_eq!(
        apply_merge_patch(&json!({"a": "foo"}), &Value::Null).unwrap_err(),
        PatchError::BadRequest("Invalid JSON Patch".into())
    );
}

#[test]
fn strategic_merge_patch_merges_where_merge_patch_replaces() {
    let pod =
        json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
    let out = strategic::apply(
        "Pod",
        &pod,
        &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
    )
    .unwrap();
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "a", "image": "x"}, {"name": "b", "image": "z"}])
    );
    // The same patch as a merge patch replaces the list.
    let out = apply_merge_patch(
        &pod,
        &json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
    )
    .unwrap();
    assert_eq!(
        out["spec"]["containers"],
        json!([{"name": "b", "image": "z"}])
    );
}

#[test]
fn unsupported_media_type_message() {
    assert_eq!(
        PatchType::unsupported_message(true),
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, \
         application/strategic-merge-patch+json, application/apply-patch+yaml"
    );
    assert!(!PatchType::unsupported_message(false).contains("strategic"));
}

#[test]
fn json_patch_operation_limit() {
    let op = json!({"op": "test", "path": "/a", "value": 1});
    let patch = Value::Array(vec![op; MAX_JSON_PATCH_OPERATIONS + 1]);
    let err = apply_json_patch(&json!({"a": 1}), &patch).unwrap_err();
    assert_eq!(err.code(), 413);
    assert_eq!(
        err.to_string(),
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    );
}

#[test]
fn json_patch_missing_value_is_null() {
    let out = apply_json_patch(&json!({"a": 1}), &json!([{"op": "add", "path": "/b"}])).unwrap();
    assert_eq!(out, json!({"a": 1, "b": null}));
}
