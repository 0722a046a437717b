//! Parity of the patch engines with `kubectl kustomize` (kustomize v5.5.0).
//!
//! Each case writes a kustomize root with one resource and one patch, builds it with kubectl,
//! and compares the value tree with what our engines make of the same files. Key order is
//! ignored (kustomize sorts keys when printing); list order and every value must match. Cases
//! that kubectl rejects must be rejected by our engine too.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use fluxval::kustomize::{jsonpatch, smp};
use fluxval::resource::Gvk;
use fluxval::yaml::{Limits, Node, Profile, Value, parse_str};

fn parse(text: &str, name: &str) -> Vec<Node> {
    parse_str(text, name, Profile::Kustomize, Limits::default()).expect("valid yaml")
}

/// Equality of value trees, ignoring spans and mapping key order.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.entries()
                    .iter()
                    .all(|e| y.get(&e.key).is_some_and(|v| same(&e.value, v)))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        (x, y) => x == y,
    }
}

/// A compact one-line rendering for failure messages.
fn render(n: &Node) -> String {
    match &n.value {
        Value::Map(m) => {
            let mut parts: Vec<String> = m
                .entries()
                .iter()
                .map(|e| format!("{}: {}", e.key, render(&e.value)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Str(s) => format!("{s:?}"),
        v => format!("{v:?}"),
    }
}

fn show(r: &Result<Vec<Node>, String>) -> String {
    match r {
        Ok(docs) => docs.iter().map(render).collect::<Vec<_>>().join(" --- "),
        Err(e) => format!("error: {}", e.trim()),
    }
}

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs kubectl on a root; `Ok(docs)` or `Err(stderr)`.
fn kubectl(dir: &Path) -> Result<Vec<Node>, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(parse(
        &String::from_utf8_lossy(&out.stdout),
        "kubectl-output",
    ))
}

enum Kind {
    /// A strategic merge patch matched by its own id.
    Sm,
    /// A JSON 6902 patch with a target naming the resource's kind.
    Json,
}

struct Case {
    name: &'static str,
    resource: &'static str,
    patch: &'static str,
    kind: Kind,
}

fn ours(case: &Case) -> Result<Option<Node>, String> {
    let mut res = parse(case.resource, "res.yaml").remove(0);
    let texts: HashMap<String, String> = [
        ("res.yaml".to_string(), case.resource.to_string()),
        ("patch.yaml".to_string(), case.patch.to_string()),
    ]
    .into();
    // kustomize converts YAML-form JSON patches with sigs.k8s.io/yaml (YAML 1.1: `yes` is true).
    let profile = match case.kind {
        Kind::Sm => Profile::Kustomize,
        Kind::Json => Profile::Kubernetes,
    };
    let patch = parse_str(case.patch, "patch.yaml", profile, Limits::default())
        .expect("valid yaml")
        .remove(0);
    let gvk = Gvk::from_api_version(
        res.str_at(&["apiVersion"]).unwrap_or_default(),
        res.str_at(&["kind"]).unwrap_or_default(),
    );
    match case.kind {
        Kind::Sm => match smp::merge_with_sources(&mut res, &patch, &gvk, &texts)
            .map_err(|e| e.to_string())?
        {
            smp::MergeOutcome::Merged => Ok(Some(res)),
            smp::MergeOutcome::Delete => Ok(None),
        },
        Kind::Json => {
            let ops = jsonpatch::parse_ops(&patch).map_err(|e| e.to_string())?;
            jsonpatch::apply(&mut res, &ops).map_err(|e| e.to_string())?;
            Ok(Some(res))
        }
    }
}

fn check(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("res.yaml"), case.resource).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("patch.yaml"), case.patch).map_err(|e| e.to_string())?;
    let kust = match case.kind {
        Kind::Sm => "resources: [res.yaml]\npatches:\n- path: patch.yaml\n".to_string(),
        Kind::Json => {
            let res = parse(case.resource, "res.yaml").remove(0);
            format!(
                "resources: [res.yaml]\npatches:\n- path: patch.yaml\n  target:\n    kind: {}\n",
                res.str_at(&["kind"]).unwrap_or_default()
            )
        }
    };
    std::fs::write(dir.path().join("kustomization.yaml"), kust).map_err(|e| e.to_string())?;
    let want = kubectl(dir.path());
    let got = ours(case);
    match (want, got) {
        (Ok(docs), Ok(Some(n))) if docs.len() == 1 && same(&docs[0], &n) => Ok(()),
        (Ok(docs), Ok(None)) if docs.is_empty() || (docs.len() == 1 && docs[0].is_null()) => Ok(()),
        (Err(w), Err(g)) => {
            println!(
                "{}: both reject\n  kubectl: {}  ours: {g}",
                case.name,
                w.trim()
            );
            Ok(())
        }
        (w, g) => {
            let g = g.map(|n| n.into_iter().collect::<Vec<_>>());
            Err(format!(
                "{}:\n  kubectl: {}\n  ours:    {}",
                case.name,
                show(&w),
                show(&g)
            ))
        }
    }
}

const DEP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  finalizers: [a, b]
  labels:
    app: web
    keep: null
spec:
  replicas: 2
  template:
    spec:
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: app
        image: app:1
        args: [--a, --b]
        env:
        - name: A
          value: '1'
        - name: B
          value: '2'
        ports:
        - containerPort: 80
          protocol: TCP
          name: http
        - containerPort: 81
          name: admin
        volumeMounts:
        - name: data
          mountPath: /data
      - name: sidecar
        image: side:1
      volumes:
      - name: data
        emptyDir: {}
      - name: cache
        emptyDir: {}
      tolerations:
      - key: k1
        operator: Exists
      imagePullSecrets:
      - name: reg
";

const HR: &str = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
  finalizers: [x]
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      version: 6.x
  valuesFrom:
  - kind: ConfigMap
    name: base-values
  - kind: Secret
    name: secret-values
  values:
    replicaCount: 1
    ingress:
      hosts:
      - host: a.example.com
      - host: b.example.com
    tolerations:
    - key: a
";

const SVC: &str = "apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
    name: http
  - port: 443
    protocol: TCP
    name: https
";

const CRON: &str = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: job
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: m:1
            env:
            - {name: X, value: '1'}
          - name: other
            image: o:1
";

const CM: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: '1'
  b/c: '2'
  t~d: '3'
list: [x, y, z]
nested:
  deep: {k: v}
";

fn cases() -> Vec<Case> {
    use Kind::{Json, Sm};
    vec![
        Case {
            name: "container merge by name, new container first",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: extra
        image: extra:1
      - name: app
        image: app:2
        args: [--c]
",
            kind: Sm,
        },
        Case {
            name: "env merge with element delete",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        env:
        - name: C
          value: '3'
        - name: A
          $patch: delete
        - name: B
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
",
            kind: Sm,
        },
        Case {
            name: "volume delete and volumeMount merge",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      volumes:
      - name: cache
        $patch: delete
      - name: data
        emptyDir: null
        configMap: {name: cfg}
      containers:
      - name: app
        volumeMounts:
        - mountPath: /cfg
          name: cfg
",
            kind: Sm,
        },
        Case {
            name: "null deletes keys, untouched null stays",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: null
spec:
  replicas: null
",
            kind: Sm,
        },
        Case {
            name: "replace directive on a map and on a keyed list",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - $patch: replace
      - name: new-init
        image: busybox:2
      containers:
      - name: sidecar
        $patch: replace
        image: side:2
",
            kind: Sm,
        },
        Case {
            name: "ports with and without protocol",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        ports:
        - containerPort: 80
          protocol: UDP
          name: dns
        - containerPort: 82
        - containerPort: 81
          name: admin2
",
            kind: Sm,
        },
        Case {
            name: "tolerations and args replaced, imagePullSecrets merged, finalizers union",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  finalizers: [c, a]
spec:
  template:
    spec:
      tolerations:
      - key: k2
        operator: Exists
      imagePullSecrets:
      - name: other
      containers:
      - name: app
        args: [--z]
",
            kind: Sm,
        },
        Case {
            name: "setElementOrder and retainKeys directives pass through",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      $setElementOrder/containers:
      - name: sidecar
      - name: app
      containers:
      - name: app
        image: app:3
",
            kind: Sm,
        },
        Case {
            name: "delete whole resource",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
$patch: delete
",
            kind: Sm,
        },
        Case {
            name: "delete a nested map and a list",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    $patch: delete
spec:
  template:
    spec:
      volumes:
      - $patch: delete
",
            kind: Sm,
        },
        Case {
            name: "HelmRelease values lists and valuesFrom replaced whole",
            resource: HR,
            patch: "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
  finalizers: [y]
spec:
  valuesFrom:
  - kind: ConfigMap
    name: overlay-values
  values:
    replicaCount: 3
    ingress:
      hosts:
      - host: c.example.com
    tolerations:
    - key: b
      $patch: delete
",
            kind: Sm,
        },
        Case {
            name: "HelmRelease values map replace",
            resource: HR,
            patch: "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  values:
    $patch: replace
    only: here
",
            kind: Sm,
        },
        Case {
            name: "Service ports by port",
            resource: SVC,
            patch: "apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports:
  - port: 80
    targetPort: 9090
  - port: 8443
    name: alt
",
            kind: Sm,
        },
        Case {
            name: "CronJob container env merge",
            resource: CRON,
            patch: "apiVersion: batch/v1
kind: CronJob
metadata: {name: job}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: other
            image: o:2
            env:
            - {name: Y, value: '2'}
",
            kind: Sm,
        },
        Case {
            name: "scalar over map is an error",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template: 3
",
            kind: Sm,
        },
        Case {
            name: "unknown directive is an error",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  $patch: bogus
",
            kind: Sm,
        },
        Case {
            name: "json add append, insert, escapes",
            resource: CM,
            patch: r#"[{"op":"add","path":"/list/-","value":"w"},
 {"op":"add","path":"/list/0","value":"v"},
 {"op":"remove","path":"/data/b~1c"},
 {"op":"replace","path":"/data/t~0d","value":"4"},
 {"op":"add","path":"/nested/deep/n","value":{"x":[1,2]}}]"#,
            kind: Json,
        },
        Case {
            name: "json move copy test",
            resource: CM,
            patch: "- op: test
  path: /data/a
  value: '1'
- op: move
  from: /data/a
  path: /data/moved
- op: copy
  from: /list
  path: /copied
- op: copy
  from: /list/1
  path: /list/-
",
            kind: Json,
        },
        Case {
            name: "json replace of missing key adds it",
            resource: CM,
            patch: r#"[{"op":"replace","path":"/data/zz","value":"n"}]"#,
            kind: Json,
        },
        Case {
            name: "json add without value adds null",
            resource: CM,
            patch: "- op: add\n  path: /data/x\n",
            kind: Json,
        },
        Case {
            name: "json failing test",
            resource: CM,
            patch: r#"[{"op":"test","path":"/data/a","value":"2"},{"op":"add","path":"/x","value":1}]"#,
            kind: Json,
        },
        Case {
            name: "json remove missing",
            resource: CM,
            patch: r#"[{"op":"remove","path":"/data/nope"}]"#,
            kind: Json,
        },
        Case {
            name: "json add past the end",
            resource: CM,
            patch: r#"[{"op":"add","path":"/list/9","value":1}]"#,
            kind: Json,
        },
        Case {
            name: "json negative index",
            resource: CM,
            patch: r#"[{"op":"replace","path":"/list/-1","value":"last"}]"#,
            kind: Json,
        },
        Case {
            name: "json add under a missing parent",
            resource: CM,
            patch: r#"[{"op":"add","path":"/nope/deep","value":1}]"#,
            kind: Json,
        },
        Case {
            name: "YAML-form json patch values resolve as YAML 1.1",
            resource: CM,
            patch: "- op: add\n  path: /data/y\n  value: yes\n- op: add\n  path: /data/o\n  value: 0755\n- op: add\n  path: /data/f\n  value: 1e3\n- op: add\n  path: /data/on\n  value: on\n",
            kind: Json,
        },
        Case {
            name: "scalars patched over quoted strings become strings of their text",
            resource: "apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  a: \"s\"
  b: 1
  c: |
    x
  d: 'q'
  e: \"x\"
  f: plain
  g: \"2\"
",
            patch: "apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  a: 1.10
  b: \"1\"
  c: true
  d: 0x1F
  e: 1e3 # comment
  f: 7
  g: 3
",
            kind: Sm,
        },
        Case {
            name: "json pointer without a leading slash drops its first segment",
            resource: CM,
            patch: r#"[{"op":"add","path":"data/x","value":1}]"#,
            kind: Json,
        },
        Case {
            name: "json remove with dash is an error",
            resource: CM,
            patch: r#"[{"op":"remove","path":"/list/-"}]"#,
            kind: Json,
        },
        Case {
            name: "json test of a missing key against null, then replace whole list by null",
            resource: CM,
            patch: r#"[{"op":"test","path":"/data/none","value":null},{"op":"replace","path":"/list","value":null}]"#,
            kind: Json,
        },
        Case {
            name: "json move into a list position and copy of a map",
            resource: CM,
            patch: r#"[{"op":"move","from":"/list/2","path":"/list/0"},{"op":"copy","from":"/nested","path":"/data/n"}]"#,
            kind: Json,
        },
        Case {
            name: "json test compares whole subtrees",
            resource: CM,
            patch: r#"[{"op":"test","path":"/nested","value":{"deep":{"k":"v"}}},{"op":"test","path":"/list","value":["x","y"]}]"#,
            kind: Json,
        },
        Case {
            name: "nested object naming a known kind gets that kind's merge keys",
            resource: "apiVersion: example.com/v1
kind: Wrapper
metadata: {name: w}
spec:
  object:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
          containers:
          - {name: a, image: a:1}
          - {name: b, image: b:1}
",
            patch: "apiVersion: example.com/v1
kind: Wrapper
metadata: {name: w}
spec:
  object:
    spec:
      template:
        spec:
          containers:
          - {name: b, image: b:2}
",
            kind: Sm,
        },
        Case {
            name: "empty value in the resource and new lists",
            resource: "apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    app: x
    empty:
    tilde: ~
spec:
  priority:
  nodeName: null
  containers: []
  hostAliases:
  - ip: 1.2.3.4
    hostnames: [a]
  topologySpreadConstraints:
  - topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    maxSkew: 1
",
            patch: "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: c
  hostAliases:
  - ip: 5.6.7.8
    hostnames: [b]
  - ip: 1.2.3.4
    hostnames: [c]
  topologySpreadConstraints:
  - topologyKey: zone
    whenUnsatisfiable: ScheduleAnyway
    maxSkew: 2
  - topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    maxSkew: 3
",
            kind: Sm,
        },
        Case {
            name: "Service port without protocol meets one with",
            resource: SVC,
            patch: "apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports:
  - port: 443
    name: tls
  - port: 80
    protocol: TCP
    name: web
",
            kind: Sm,
        },
        Case {
            name: "StatefulSet claim templates replaced, older API version lists replaced",
            resource: "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  volumeClaimTemplates:
  - metadata: {name: a}
  - metadata: {name: b}
  template:
    spec:
      containers:
      - {name: a, image: a}
",
            patch: "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  volumeClaimTemplates:
  - metadata: {name: b}
    spec: {storageClassName: fast}
  template:
    spec:
      containers:
      - {name: z, image: z}
",
            kind: Sm,
        },
        Case {
            name: "Deployment at an API version the schema lacks",
            resource: "apiVersion: apps/v1beta2
kind: Deployment
metadata: {name: old}
spec:
  template:
    spec:
      containers:
      - {name: a, image: a}
",
            patch: "apiVersion: apps/v1beta2
kind: Deployment
metadata: {name: old}
spec:
  template:
    spec:
      containers:
      - {name: b, image: b}
",
            kind: Sm,
        },
        Case {
            name: "map replaced by a list is an error",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template: [a]
",
            kind: Sm,
        },
        Case {
            name: "list directives merge and delete on a merge list",
            resource: DEP,
            patch: "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      imagePullSecrets:
      - $patch: delete
      containers:
      - $patch: merge
      - name: app
        image: app:9
",
            kind: Sm,
        },
    ]
}

#[test]
fn patches_match_kubectl_kustomize() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let failures: Vec<String> = cases().iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
