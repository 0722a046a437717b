//! The field-spec transformers and name reference fix-up, applied in kustomize's order to our
//! parsed resources, must give the same objects `kubectl kustomize` prints.

use std::path::Path;
use std::process::Command;

use fluxval::error::Result;
use fluxval::kustomize::config::{TransformerConfig, defaults, parse_config_file};
use fluxval::kustomize::nameref::fix_name_references;
use fluxval::kustomize::transform::{
    add_annotations, add_common_labels, add_labels, add_name_prefix_suffix, set_namespace,
};
use fluxval::resource::Resource;
use fluxval::yaml::{Limits, Node, Profile, Span, Value, parse_str};

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn parse(text: &str, name: &str) -> Vec<Node> {
    parse_str(text, name, Profile::Kustomize, Limits::default()).expect("yaml parses")
}

/// Our side of a build: resources from the listed files, then the transformer steps.
type Steps = fn(&mut [Resource], &TransformerConfig) -> Result<()>;

struct Case {
    name: &'static str,
    kustomization: &'static str,
    /// Resource files in the order the kustomization lists them.
    files: &'static [(&'static str, &'static str)],
    /// A `configurations:` file, if any.
    config: Option<(&'static str, &'static str)>,
    steps: Steps,
}

fn entry(k: &str, v: &str) -> (String, String, Span) {
    (
        k.into(),
        v.into(),
        Span::new("kustomization.yaml".into(), 1, 1),
    )
}

/// Compares two trees ignoring spans and map order; returns where they differ.
fn diff(a: &Node, b: &Node, at: &str) -> Option<String> {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            for e in x.entries() {
                match y.get(&e.key) {
                    Some(v) => {
                        if let Some(d) = diff(&e.value, v, &format!("{at}.{}", e.key)) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{at}.{} only in kubectl's output", e.key)),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(k))
                .map(|k| format!("{at}.{k} only in ours"))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            if x.len() != y.len() {
                return Some(format!("{at}: {} items vs {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| diff(p, q, &format!("{at}[{i}]")))
        }
        (x, y) if x == y => None,
        (x, y) => Some(format!("{at}: kubectl {x:?} vs ours {y:?}")),
    }
}

fn key(n: &Node) -> (String, String, String) {
    let s = |p: &[&str]| n.str_at(p).unwrap_or_default().to_string();
    (
        s(&["kind"]),
        s(&["metadata", "namespace"]),
        s(&["metadata", "name"]),
    )
}

fn run(case: &Case) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(root.join("kustomization.yaml"), case.kustomization).expect("write");
    for (name, text) in case.files.iter().chain(case.config.iter()) {
        std::fs::write(root.join(name), text).expect("write");
    }
    let expected = kubectl_build(root);

    let mut cfg = defaults();
    if let Some((name, text)) = case.config {
        let extra = parse_config_file(&parse(text, name)[0]).expect("config parses");
        cfg.merge(extra, &Span::file(name.into()))
            .expect("config merges");
    }
    let mut res: Vec<Resource> = Vec::new();
    for (name, text) in case.files {
        for node in parse(text, name) {
            let origin = node
                .span
                .clone()
                .unwrap_or_else(|| Span::file((*name).into()));
            res.push(Resource::new(node, origin));
        }
    }
    (case.steps)(&mut res, &cfg).unwrap_or_else(|e| panic!("{}: {e}", case.name));

    assert_eq!(
        expected.len(),
        res.len(),
        "{}: number of resources differs",
        case.name
    );
    for want in &expected {
        let k = key(want);
        let got = res
            .iter()
            .find(|r| key(&r.node) == k)
            .unwrap_or_else(|| panic!("{}: we have no {k:?}", case.name));
        if let Some(d) = diff(want, &got.node, "") {
            panic!("{}: {k:?} differs at {d}", case.name);
        }
    }
}

fn kubectl_build(root: &Path) -> Vec<Node> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(root)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&String::from_utf8_lossy(&out.stdout), "kubectl-output.yaml")
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: runner
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: MODE
          valueFrom:
            configMapKeyRef:
              name: settings
              key: mode
        envFrom:
        - configMapRef:
            name: settings
        - secretRef:
            name: creds
      volumes:
      - name: conf
        configMap:
          name: settings
      - name: extra
        projected:
          sources:
          - configMap:
              name: settings
      - name: data
        persistentVolumeClaim:
          claimName: data
";

const RBAC: &str = "apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
- apiGroups: ['']
  resources: [configmaps]
  resourceNames: [settings]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: reader
subjects:
- kind: ServiceAccount
  name: runner
- kind: ServiceAccount
  name: default
- kind: ServiceAccount
  name: elsewhere
  namespace: other
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: read-all
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: reader
subjects:
- kind: ServiceAccount
  name: runner
  namespace: default
";

const CONFIG: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  token: x
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
";

const NETWORK: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - secretName: creds
  defaultBackend:
    service:
      name: web
      port:
        number: 80
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
";

const WORKLOADS: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: web
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres
  volumeClaimTemplates:
  - metadata:
      name: pgdata
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: '0 * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: b
            image: busybox
            envFrom:
            - configMapRef:
                name: settings
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: db
";

/// Cluster-scoped kinds that name namespaced services, and a Role/ClusterRole name clash.
const PLUMBING: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true}]
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig:
        service:
          name: conv
          namespace: old
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1.metrics.example.com
spec:
  group: metrics.example.com
  version: v1
  service:
    name: api
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: vw
webhooks:
- name: a.example.com
  clientConfig:
    service:
      name: wh
      namespace: old
- name: b.example.com
  clientConfig:
    service:
      name: wh
---
apiVersion: v1
kind: Service
metadata:
  name: conv
---
apiVersion: v1
kind: Service
metadata:
  name: api
---
apiVersion: v1
kind: Service
metadata:
  name: wh
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
---
apiVersion: v1
kind: Namespace
metadata:
  name: sys
---
apiVersion: widgets.example.com/v1
kind: Widget
metadata:
  name: w
"#;

/// Referrers and targets in different namespaces.
const NAMESPACES: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: only-a
  namespace: a
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: b
spec:
  template:
    spec:
      serviceAccountName: sa
      containers:
      - name: c
        image: x
        envFrom:
        - configMapRef:
            name: only-a
        - configMapRef:
            name: cfg
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: r
rules:
- resourceNames: [cfg, only-a, missing]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
  namespace: c
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
  namespace: a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: r
subjects:
- kind: ServiceAccount
  name: sa
  namespace: c
- kind: Group
  name: sa
"#;

fn nothing(_: &mut [Resource], _: &TransformerConfig) -> Result<()> {
    Ok(())
}

#[test]
fn transformers_match_kubectl_kustomize() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let cases = [
        Case {
            name: "namespace",
            kustomization: "namespace: prod\nresources: [deploy.yaml, rbac.yaml, config.yaml]\n",
            files: &[
                ("deploy.yaml", DEPLOYMENT),
                ("rbac.yaml", RBAC),
                ("config.yaml", CONFIG),
            ],
            config: None,
            steps: |res, cfg| {
                set_namespace(res, "prod", cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "prefix and suffix",
            kustomization: "namePrefix: p-\nnameSuffix: -s\nresources: [deploy.yaml, rbac.yaml, config.yaml, net.yaml, work.yaml]\n",
            files: &[
                ("deploy.yaml", DEPLOYMENT),
                ("rbac.yaml", RBAC),
                ("config.yaml", CONFIG),
                ("net.yaml", NETWORK),
                ("work.yaml", WORKLOADS),
            ],
            config: None,
            steps: |res, cfg| {
                add_name_prefix_suffix(res, "p-", "-s", cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "namespace, prefix, labels, annotations",
            kustomization: "namespace: team\nnamePrefix: t-\nresources: [deploy.yaml, rbac.yaml, config.yaml, net.yaml, work.yaml]\ncommonLabels:\n  owner: me\ncommonAnnotations:\n  note: hi\n",
            files: &[
                ("deploy.yaml", DEPLOYMENT),
                ("rbac.yaml", RBAC),
                ("config.yaml", CONFIG),
                ("net.yaml", NETWORK),
                ("work.yaml", WORKLOADS),
            ],
            config: None,
            steps: |res, cfg| {
                set_namespace(res, "team", cfg)?;
                add_name_prefix_suffix(res, "t-", "", cfg)?;
                add_common_labels(res, &[entry("owner", "me")], cfg)?;
                add_annotations(res, &[entry("note", "hi")], cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "labels with selectors",
            kustomization: "resources: [deploy.yaml, net.yaml, work.yaml]\nlabels:\n- pairs: {tier: a}\n  includeSelectors: true\n",
            files: &[
                ("deploy.yaml", DEPLOYMENT),
                ("net.yaml", NETWORK),
                ("work.yaml", WORKLOADS),
            ],
            config: None,
            steps: |res, cfg| add_labels(res, &[entry("tier", "a")], true, false, cfg),
        },
        Case {
            name: "labels with templates",
            kustomization: "resources: [deploy.yaml, net.yaml, work.yaml]\nlabels:\n- pairs: {tier: a, zone: z}\n  includeTemplates: true\n- pairs: {plain: p}\n",
            files: &[
                ("deploy.yaml", DEPLOYMENT),
                ("net.yaml", NETWORK),
                ("work.yaml", WORKLOADS),
            ],
            config: None,
            steps: |res, cfg| {
                add_labels(
                    res,
                    &[entry("tier", "a"), entry("zone", "z")],
                    false,
                    true,
                    cfg,
                )?;
                add_labels(res, &[entry("plain", "p")], false, false, cfg)
            },
        },
        Case {
            name: "labels and commonLabels together",
            kustomization: "resources: [work.yaml]\nlabels:\n- pairs: {tier: a}\n  includeSelectors: true\n  includeTemplates: true\ncommonLabels:\n  tier: b\n  env: dev\n",
            files: &[("work.yaml", WORKLOADS)],
            config: None,
            steps: |res, cfg| {
                add_labels(res, &[entry("tier", "a")], true, true, cfg)?;
                add_common_labels(res, &[entry("tier", "b"), entry("env", "dev")], cfg)
            },
        },
        Case {
            name: "flux helmrelease valuesFrom",
            kustomization: "nameSuffix: -v2\nresources: [hr.yaml]\nconfigurations: [kustomizeconfig.yaml]\n",
            files: &[(
                "hr.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo-values\n  namespace: apps\ndata:\n  values.yaml: 'replicaCount: 2'\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: podinfo-secret\n  namespace: apps\nstringData:\n  values.yaml: 'a: b'\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n  valuesFrom:\n  - kind: ConfigMap\n    name: podinfo-values\n  - kind: Secret\n    name: podinfo-secret\n",
            )],
            config: Some((
                "kustomizeconfig.yaml",
                "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n- kind: Secret\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n",
            )),
            steps: |res, cfg| {
                add_name_prefix_suffix(res, "", "-v2", cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "cluster-scoped plumbing",
            kustomization: "namespace: sys\nnamePrefix: p-\nresources: [plumbing.yaml]\n",
            files: &[("plumbing.yaml", PLUMBING)],
            config: None,
            steps: |res, cfg| {
                set_namespace(res, "sys", cfg)?;
                add_name_prefix_suffix(res, "p-", "", cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "visibility across namespaces",
            kustomization: "namePrefix: p-\nresources: [ns.yaml]\n",
            files: &[("ns.yaml", NAMESPACES)],
            config: None,
            steps: |res, cfg| {
                add_name_prefix_suffix(res, "p-", "", cfg)?;
                fix_name_references(res, cfg)
            },
        },
        Case {
            name: "untouched build",
            kustomization: "resources: [deploy.yaml, config.yaml]\n",
            files: &[("deploy.yaml", DEPLOYMENT), ("config.yaml", CONFIG)],
            config: None,
            steps: nothing,
        },
    ];
    for case in &cases {
        run(case);
    }
}

fn resources_of(text: &str, name: &str) -> Vec<Resource> {
    parse(text, name)
        .into_iter()
        .map(|n| {
            let origin = n.span.clone().unwrap_or_else(|| Span::file(name.into()));
            Resource::new(n, origin)
        })
        .collect()
}

/// Two bases rename their own `cfg` differently; an overlay's ClusterRole naming `cfg` cannot
/// tell which one it means. kubectl and we both refuse.
#[test]
fn ambiguous_referral_fails_like_kubectl() {
    if !kubectl_available() {
        println!("SKIP: kubectl not found");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n";
    let cr = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- resourceNames: [cfg]\n";
    for base in ["a", "b"] {
        let d = root.join(base);
        std::fs::create_dir(&d).expect("mkdir");
        let k = format!("namePrefix: {base}-\nnamespace: {base}\nresources: [cm.yaml]\n");
        std::fs::write(d.join("kustomization.yaml"), k).expect("write");
        std::fs::write(d.join("cm.yaml"), cm).expect("write");
    }
    std::fs::write(
        root.join("kustomization.yaml"),
        "namePrefix: o-\nresources: [a, b, cr.yaml]\n",
    )
    .expect("write");
    std::fs::write(root.join("cr.yaml"), cr).expect("write");
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(root)
        .output()
        .expect("kubectl runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("found multiple possible referrals"));

    let cfg = defaults();
    let mut all = Vec::new();
    for base in ["a", "b"] {
        let mut res = resources_of(cm, "cm.yaml");
        set_namespace(&mut res, base, &cfg).expect("namespace");
        add_name_prefix_suffix(&mut res, &format!("{base}-"), "", &cfg).expect("prefix");
        fix_name_references(&mut res, &cfg).expect("base fix-up");
        all.extend(res);
    }
    all.extend(resources_of(cr, "cr.yaml"));
    add_name_prefix_suffix(&mut all, "o-", "", &cfg).expect("prefix");
    let err = fix_name_references(&mut all, &cfg).expect_err("ambiguous");
    assert!(
        err.message.contains("found multiple possible referrals"),
        "{err}"
    );
    assert_eq!((&*err.span.file, err.span.line), ("cr.yaml", 6));
}
