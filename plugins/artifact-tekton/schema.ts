/**
 * The Go types of Tekton Tasks and Pipelines (tekton.dev/v1 and v1beta1) as far as cosign-ts
 * signs them: each struct's JSON fields in declaration order with their `omitempty`, which is
 * what Go's `json.Marshal` — Tekton's canonical form for trusted resources — follows. Fields not
 * listed here are refused when signing (like `tkn`'s strict decoding), never guessed.
 *
 * Sources: tektoncd/pipeline pkg/apis/pipeline/v1 and v1beta1 (task_types.go, pipeline_types.go,
 * container_types.go, param_types.go, result_types.go, workspace_types.go, when_types.go,
 * taskref_types.go, resolver_types.go, resource_types.go), k8s.io/api/core/v1 (EnvVar,
 * EnvFromSource, VolumeMount, VolumeDevice, ResourceRequirements, SecurityContext, Volume) and
 * k8s.io/apimachinery metav1.ObjectMeta.
 *
 * @example
 * ```ts
 * const spec = SCHEMAS["v1/Task"]; // the Task struct, ready for canonical.ts
 * ```
 * @module
 */

/** A field type. */
export type GoType =
  | "string"
  | "bool"
  | "int"
  | "duration"
  | "quantity"
  | "paramValue"
  | "stringMap"
  | "quantityMap"
  | "nullTime"
  | { list: GoType }
  | { ptr: GoType }
  | { map: GoType }
  | { struct: GoStruct };

/** A struct field: JSON name, type, `omitempty`. */
export interface GoField {
  /** JSON name. */
  json: string;
  /** Its type. */
  type: GoType;
  /** Tagged `omitempty`. */
  omitempty: boolean;
}

/** A struct: its name (for messages) and fields in declaration order. */
export interface GoStruct {
  /** Go type name. */
  name: string;
  /** Fields in declaration order. */
  fields: GoField[];
}

/** `f("name")` is `json:"name,omitempty"`; `f("name!")` is `json:"name"` (no omitempty). */
function s(name: string, ...fields: [string, GoType][]): GoStruct {
  return {
    name,
    fields: fields.map(([json, type]) => ({
      json: json.replace(/!$/, ""),
      type,
      omitempty: !json.endsWith("!"),
    })),
  };
}
const list = (t: GoType): GoType => ({ list: t });
const ptr = (t: GoType): GoType => ({ ptr: t });
const struct = (t: GoStruct): GoType => ({ struct: t });
const map = (t: GoType): GoType => ({ map: t });

// --- k8s.io/apimachinery -------------------------------------------------------------------

/**
 * metav1.ObjectMeta, restricted to what Tekton's checksum keeps (PrepareObjectMeta): name,
 * generateName, namespace, labels, annotations; creationTimestamp is a struct Go writes as null.
 */
export const OBJECT_META: GoStruct = s(
  "ObjectMeta",
  ["name", "string"],
  ["generateName", "string"],
  ["namespace", "string"],
  ["creationTimestamp!", "nullTime"],
  ["labels", "stringMap"],
  ["annotations", "stringMap"],
);

// --- k8s.io/api/core/v1 --------------------------------------------------------------------

const LOCAL_REF_OPTIONAL = (name: string) => s(name, ["name", "string"], ["optional", ptr("bool")]);
const KEY_SELECTOR = (name: string) =>
  s(name, ["name", "string"], ["key!", "string"], ["optional", ptr("bool")]);

const ENV_VAR_SOURCE = s(
  "EnvVarSource",
  [
    "fieldRef",
    ptr(struct(s("ObjectFieldSelector", ["apiVersion", "string"], ["fieldPath!", "string"]))),
  ],
  [
    "resourceFieldRef",
    ptr(struct(s(
      "ResourceFieldSelector",
      ["containerName", "string"],
      ["resource!", "string"],
      ["divisor", "quantity"],
    ))),
  ],
  ["configMapKeyRef", ptr(struct(KEY_SELECTOR("ConfigMapKeySelector")))],
  ["secretKeyRef", ptr(struct(KEY_SELECTOR("SecretKeySelector")))],
);
const ENV_VAR = s(
  "EnvVar",
  ["name!", "string"],
  ["value", "string"],
  ["valueFrom", ptr(struct(ENV_VAR_SOURCE))],
);
const ENV_FROM = s(
  "EnvFromSource",
  ["prefix", "string"],
  ["configMapRef", ptr(struct(LOCAL_REF_OPTIONAL("ConfigMapEnvSource")))],
  ["secretRef", ptr(struct(LOCAL_REF_OPTIONAL("SecretEnvSource")))],
);
const VOLUME_MOUNT = s(
  "VolumeMount",
  ["name!", "string"],
  ["readOnly", "bool"],
  ["recursiveReadOnly", ptr("string")],
  ["mountPath!", "string"],
  ["subPath", "string"],
  ["mountPropagation", ptr("string")],
  ["subPathExpr", "string"],
);
const VOLUME_DEVICE = s("VolumeDevice", ["name!", "string"], ["devicePath!", "string"]);
const RESOURCES = s(
  "ResourceRequirements",
  ["limits", "quantityMap"],
  ["requests", "quantityMap"],
);
const SECURITY_CONTEXT = s(
  "SecurityContext",
  [
    "capabilities",
    ptr(struct(s("Capabilities", ["add", list("string")], ["drop", list("string")]))),
  ],
  ["privileged", ptr("bool")],
  ["runAsUser", ptr("int")],
  ["runAsGroup", ptr("int")],
  ["runAsNonRoot", ptr("bool")],
  ["readOnlyRootFilesystem", ptr("bool")],
  ["allowPrivilegeEscalation", ptr("bool")],
  [
    "seccompProfile",
    ptr(struct(s("SeccompProfile", ["type!", "string"], ["localhostProfile", ptr("string")]))),
  ],
);
const KEY_TO_PATH = s("KeyToPath", ["key!", "string"], ["path!", "string"], ["mode", ptr("int")]);
const VOLUME = s(
  "Volume",
  ["name!", "string"],
  [
    "hostPath",
    ptr(struct(s("HostPathVolumeSource", ["path!", "string"], ["type", ptr("string")]))),
  ],
  [
    "emptyDir",
    ptr(struct(s("EmptyDirVolumeSource", ["medium", "string"], ["sizeLimit", ptr("quantity")]))),
  ],
  [
    "secret",
    ptr(struct(s(
      "SecretVolumeSource",
      ["secretName", "string"],
      ["items", list(struct(KEY_TO_PATH))],
      ["defaultMode", ptr("int")],
      ["optional", ptr("bool")],
    ))),
  ],
  [
    "persistentVolumeClaim",
    ptr(struct(s(
      "PersistentVolumeClaimVolumeSource",
      ["claimName!", "string"],
      ["readOnly", "bool"],
    ))),
  ],
  [
    "configMap",
    ptr(struct(s(
      "ConfigMapVolumeSource",
      ["name", "string"],
      ["items", list(struct(KEY_TO_PATH))],
      ["defaultMode", ptr("int")],
      ["optional", ptr("bool")],
    ))),
  ],
);

// --- Tekton, shared between v1 and v1beta1 ---------------------------------------------------

const PARAM_SPEC = s(
  "ParamSpec",
  ["name!", "string"],
  ["type", "string"],
  ["description", "string"],
  ["properties", map(struct(s("PropertySpec", ["type", "string"])))],
  ["default", ptr("paramValue")],
  ["enum", list("string")],
);
const PARAM = s("Param", ["name!", "string"], ["value!", "paramValue"]);
const WORKSPACE_DECLARATION = s(
  "WorkspaceDeclaration",
  ["name!", "string"],
  ["description", "string"],
  ["mountPath", "string"],
  ["readOnly", "bool"],
  ["optional", "bool"],
);
const WORKSPACE_USAGE = s("WorkspaceUsage", ["name!", "string"], ["mountPath!", "string"]);
const TASK_RESULT = s(
  "TaskResult",
  ["name!", "string"],
  ["type", "string"],
  ["properties", map(struct(s("PropertySpec", ["type", "string"])))],
  ["description", "string"],
  ["value", ptr("paramValue")],
);
const OUTPUT_CONFIG = s("StepOutputConfig", ["path", "string"]);
const WHEN = s(
  "WhenExpression",
  ["input", "string"],
  ["operator", "string"],
  ["values", list("string")],
  ["cel", "string"],
);

/** Step fields after the container ones (v1 and v1beta1 alike). */
const STEP_TAIL: [string, GoType][] = [
  ["script", "string"],
  ["timeout", ptr("duration")],
  ["workspaces", list(struct(WORKSPACE_USAGE))],
  ["onError", "string"],
  ["stdoutConfig", ptr(struct(OUTPUT_CONFIG))],
  ["stderrConfig", ptr(struct(OUTPUT_CONFIG))],
];

/**
 * The container fields of a Step or StepTemplate, with the compute resources under their
 * version's name (v1 `computeResources`, v1beta1 `resources`).
 */
function containerFields(resources: "computeResources" | "resources"): [string, GoType][] {
  return [
    ["image", "string"],
    ["command", list("string")],
    ["args", list("string")],
    ["workingDir", "string"],
    ["envFrom", list(struct(ENV_FROM))],
    ["env", list(struct(ENV_VAR))],
    [resources, struct(RESOURCES)],
    ["volumeMounts", list(struct(VOLUME_MOUNT))],
    ["volumeDevices", list(struct(VOLUME_DEVICE))],
    ["imagePullPolicy", "string"],
    ["securityContext", ptr(struct(SECURITY_CONTEXT))],
  ];
}

/** A PipelineTask with the version's TaskRef. */
function pipelineTask(taskRef: GoStruct): GoStruct {
  return s(
    "PipelineTask",
    ["name", "string"],
    ["displayName", "string"],
    ["description", "string"],
    ["taskRef", ptr(struct(taskRef))],
    ["when", list(struct(WHEN))],
    ["retries", "int"],
    ["runAfter", list("string")],
    ["params", list(struct(PARAM))],
    ["matrix", ptr(struct(s("Matrix", ["params", list(struct(PARAM))])))],
    [
      "workspaces",
      list(struct(s(
        "WorkspacePipelineTaskBinding",
        ["name!", "string"],
        ["workspace", "string"],
        ["subPath", "string"],
      ))),
    ],
    ["timeout", ptr("duration")],
  );
}

/** A PipelineSpec with the version's PipelineTask. */
function pipelineSpec(task: GoStruct): GoStruct {
  return s(
    "PipelineSpec",
    ["displayName", "string"],
    ["description", "string"],
    ["tasks", list(struct(task))],
    ["params", list(struct(PARAM_SPEC))],
    [
      "workspaces",
      list(struct(s(
        "PipelineWorkspaceDeclaration",
        ["name!", "string"],
        ["description", "string"],
        ["optional", "bool"],
      ))),
    ],
    [
      "results",
      list(struct(s(
        "PipelineResult",
        ["name!", "string"],
        ["type", "string"],
        ["description!", "string"],
        ["value!", "paramValue"],
      ))),
    ],
    ["finally", list(struct(task))],
  );
}

/** TaskRef fields: name, kind, apiVersion, then v1beta1's bundle, then the resolver. */
function taskRef(bundle: boolean): GoStruct {
  return s(
    "TaskRef",
    ["name", "string"],
    ["kind", "string"],
    ["apiVersion", "string"],
    ...(bundle ? [["bundle", "string"] as [string, GoType]] : []),
    ["resolver", "string"],
    ["params", list(struct(PARAM))],
  );
}

// --- tekton.dev/v1 ---------------------------------------------------------------------------

const V1_TASK_SPEC = s(
  "TaskSpec",
  ["params", list(struct(PARAM_SPEC))],
  ["displayName", "string"],
  ["description", "string"],
  [
    "steps",
    list(
      struct(s("Step", ["name!", "string"], ...containerFields("computeResources"), ...STEP_TAIL)),
    ),
  ],
  ["volumes", list(struct(VOLUME))],
  ["stepTemplate", ptr(struct(s("StepTemplate", ...containerFields("computeResources"))))],
  ["workspaces", list(struct(WORKSPACE_DECLARATION))],
  ["results", list(struct(TASK_RESULT))],
);

// --- tekton.dev/v1beta1 ----------------------------------------------------------------------

const RESOURCE_DECLARATION = s(
  "TaskResource",
  ["name!", "string"],
  ["type!", "string"],
  ["description", "string"],
  ["targetPath", "string"],
  ["optional", "bool"],
);
const V1BETA1_TASK_SPEC = s(
  "TaskSpec",
  [
    "resources",
    ptr(struct(s(
      "TaskResources",
      ["inputs", list(struct(RESOURCE_DECLARATION))],
      ["outputs", list(struct(RESOURCE_DECLARATION))],
    ))),
  ],
  ["params", list(struct(PARAM_SPEC))],
  ["displayName", "string"],
  ["description", "string"],
  [
    "steps",
    list(struct(s("Step", ["name!", "string"], ...containerFields("resources"), ...STEP_TAIL))),
  ],
  ["volumes", list(struct(VOLUME))],
  ["workspaces", list(struct(WORKSPACE_DECLARATION))],
  ["results", list(struct(TASK_RESULT))],
);

function resource(kind: string, spec: GoStruct): GoStruct {
  return s(
    kind,
    ["kind", "string"],
    ["apiVersion", "string"],
    ["metadata!", struct(OBJECT_META)],
    ["spec!", struct(spec)],
  );
}

/** The top-level structs by `<version>/<kind>`. */
export const SCHEMAS: Record<string, GoStruct> = {
  "v1/Task": resource("Task", V1_TASK_SPEC),
  "v1/Pipeline": resource("Pipeline", pipelineSpec(pipelineTask(taskRef(false)))),
  "v1beta1/Task": resource("Task", V1BETA1_TASK_SPEC),
  "v1beta1/Pipeline": resource("Pipeline", pipelineSpec(pipelineTask(taskRef(true)))),
};
