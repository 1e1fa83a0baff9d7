import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from parley.workflow.v1 import graph_pb2 as _graph_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WorkflowStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_STATUS_UNSPECIFIED: _ClassVar[WorkflowStatus]
    WORKFLOW_STATUS_DRAFT: _ClassVar[WorkflowStatus]
    WORKFLOW_STATUS_ACTIVE: _ClassVar[WorkflowStatus]
    WORKFLOW_STATUS_PAUSED: _ClassVar[WorkflowStatus]
    WORKFLOW_STATUS_ARCHIVED: _ClassVar[WorkflowStatus]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]

class RunMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_MODE_UNSPECIFIED: _ClassVar[RunMode]
    RUN_MODE_PRODUCTION: _ClassVar[RunMode]
    RUN_MODE_TEST: _ClassVar[RunMode]
    RUN_MODE_MANUAL: _ClassVar[RunMode]

class RunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATUS_UNSPECIFIED: _ClassVar[RunStatus]
    RUN_STATUS_PENDING: _ClassVar[RunStatus]
    RUN_STATUS_RUNNING: _ClassVar[RunStatus]
    RUN_STATUS_WAITING: _ClassVar[RunStatus]
    RUN_STATUS_COMPLETED: _ClassVar[RunStatus]
    RUN_STATUS_FAILED: _ClassVar[RunStatus]
    RUN_STATUS_CANCELLED: _ClassVar[RunStatus]

class StepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATUS_UNSPECIFIED: _ClassVar[StepStatus]
    STEP_STATUS_COMPLETED: _ClassVar[StepStatus]
    STEP_STATUS_FAILED: _ClassVar[StepStatus]
    STEP_STATUS_WAITING: _ClassVar[StepStatus]
    STEP_STATUS_SKIPPED: _ClassVar[StepStatus]

class SnippetLanguage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SNIPPET_LANGUAGE_UNSPECIFIED: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_WIDGET: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_CURL: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_NODE: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_PYTHON: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_PHP: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_RUBY: _ClassVar[SnippetLanguage]
    SNIPPET_LANGUAGE_GO: _ClassVar[SnippetLanguage]

class WorkflowSort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_SORT_UNSPECIFIED: _ClassVar[WorkflowSort]
    WORKFLOW_SORT_NAME: _ClassVar[WorkflowSort]
    WORKFLOW_SORT_UPDATED: _ClassVar[WorkflowSort]
    WORKFLOW_SORT_EXECUTIONS: _ClassVar[WorkflowSort]
WORKFLOW_STATUS_UNSPECIFIED: WorkflowStatus
WORKFLOW_STATUS_DRAFT: WorkflowStatus
WORKFLOW_STATUS_ACTIVE: WorkflowStatus
WORKFLOW_STATUS_PAUSED: WorkflowStatus
WORKFLOW_STATUS_ARCHIVED: WorkflowStatus
SEVERITY_UNSPECIFIED: Severity
SEVERITY_ERROR: Severity
SEVERITY_WARNING: Severity
RUN_MODE_UNSPECIFIED: RunMode
RUN_MODE_PRODUCTION: RunMode
RUN_MODE_TEST: RunMode
RUN_MODE_MANUAL: RunMode
RUN_STATUS_UNSPECIFIED: RunStatus
RUN_STATUS_PENDING: RunStatus
RUN_STATUS_RUNNING: RunStatus
RUN_STATUS_WAITING: RunStatus
RUN_STATUS_COMPLETED: RunStatus
RUN_STATUS_FAILED: RunStatus
RUN_STATUS_CANCELLED: RunStatus
STEP_STATUS_UNSPECIFIED: StepStatus
STEP_STATUS_COMPLETED: StepStatus
STEP_STATUS_FAILED: StepStatus
STEP_STATUS_WAITING: StepStatus
STEP_STATUS_SKIPPED: StepStatus
SNIPPET_LANGUAGE_UNSPECIFIED: SnippetLanguage
SNIPPET_LANGUAGE_WIDGET: SnippetLanguage
SNIPPET_LANGUAGE_CURL: SnippetLanguage
SNIPPET_LANGUAGE_NODE: SnippetLanguage
SNIPPET_LANGUAGE_PYTHON: SnippetLanguage
SNIPPET_LANGUAGE_PHP: SnippetLanguage
SNIPPET_LANGUAGE_RUBY: SnippetLanguage
SNIPPET_LANGUAGE_GO: SnippetLanguage
WORKFLOW_SORT_UNSPECIFIED: WorkflowSort
WORKFLOW_SORT_NAME: WorkflowSort
WORKFLOW_SORT_UPDATED: WorkflowSort
WORKFLOW_SORT_EXECUTIONS: WorkflowSort

class Workflow(_message.Message):
    __slots__ = ("id", "name", "description", "status", "draft", "revision", "trigger_kind", "published_version", "version_count", "execution_count", "settings", "created_at", "updated_at", "published_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_KIND_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    status: WorkflowStatus
    draft: _graph_pb2.Graph
    revision: int
    trigger_kind: _graph_pb2.TriggerKind
    published_version: int
    version_count: int
    execution_count: int
    settings: WorkflowSettings
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[WorkflowStatus, str]] = ..., draft: _Optional[_Union[_graph_pb2.Graph, _Mapping]] = ..., revision: _Optional[int] = ..., trigger_kind: _Optional[_Union[_graph_pb2.TriggerKind, str]] = ..., published_version: _Optional[int] = ..., version_count: _Optional[int] = ..., execution_count: _Optional[int] = ..., settings: _Optional[_Union[WorkflowSettings, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WorkflowSettings(_message.Message):
    __slots__ = ("run_once_per_session",)
    RUN_ONCE_PER_SESSION_FIELD_NUMBER: _ClassVar[int]
    run_once_per_session: bool
    def __init__(self, run_once_per_session: _Optional[bool] = ...) -> None: ...

class WorkflowVersion(_message.Message):
    __slots__ = ("workflow_id", "number", "graph", "note", "settings", "published", "execution_count", "created_at")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    number: int
    graph: _graph_pb2.Graph
    note: str
    settings: WorkflowSettings
    published: bool
    execution_count: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, workflow_id: _Optional[str] = ..., number: _Optional[int] = ..., graph: _Optional[_Union[_graph_pb2.Graph, _Mapping]] = ..., note: _Optional[str] = ..., settings: _Optional[_Union[WorkflowSettings, _Mapping]] = ..., published: _Optional[bool] = ..., execution_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("severity", "code", "message", "node_id", "edge", "field")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    EDGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    severity: Severity
    code: str
    message: str
    node_id: str
    edge: _graph_pb2.Edge
    field: str
    def __init__(self, severity: _Optional[_Union[Severity, str]] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., node_id: _Optional[str] = ..., edge: _Optional[_Union[_graph_pb2.Edge, _Mapping]] = ..., field: _Optional[str] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("id", "workflow_id", "version", "session_id", "mode", "status", "trigger", "trigger_data", "variables", "current_node_id", "error", "depth", "created_at", "started_at", "finished_at", "wake_at", "steps")
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_DATA_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    WAKE_AT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    id: str
    workflow_id: str
    version: int
    session_id: str
    mode: RunMode
    status: RunStatus
    trigger: str
    trigger_data: _struct_pb2.Struct
    variables: _struct_pb2.Struct
    current_node_id: str
    error: str
    depth: int
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    wake_at: _timestamp_pb2.Timestamp
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    def __init__(self, id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., version: _Optional[int] = ..., session_id: _Optional[str] = ..., mode: _Optional[_Union[RunMode, str]] = ..., status: _Optional[_Union[RunStatus, str]] = ..., trigger: _Optional[str] = ..., trigger_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., current_node_id: _Optional[str] = ..., error: _Optional[str] = ..., depth: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., wake_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("index", "node_id", "kind", "status", "input", "output", "conditions", "port", "error", "attempt", "started_at", "finished_at")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    index: int
    node_id: str
    kind: str
    status: StepStatus
    input: _struct_pb2.Struct
    output: _struct_pb2.Struct
    conditions: _containers.RepeatedCompositeFieldContainer[ConditionResult]
    port: str
    error: str
    attempt: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, index: _Optional[int] = ..., node_id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[_Union[StepStatus, str]] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., output: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., conditions: _Optional[_Iterable[_Union[ConditionResult, _Mapping]]] = ..., port: _Optional[str] = ..., error: _Optional[str] = ..., attempt: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConditionResult(_message.Message):
    __slots__ = ("index", "condition", "actual", "expected", "result", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    condition: _graph_pb2.Condition
    actual: _struct_pb2.Value
    expected: _containers.RepeatedScalarFieldContainer[str]
    result: bool
    error: str
    def __init__(self, index: _Optional[int] = ..., condition: _Optional[_Union[_graph_pb2.Condition, _Mapping]] = ..., actual: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., expected: _Optional[_Iterable[str]] = ..., result: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class Snippet(_message.Message):
    __slots__ = ("language", "title", "code")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    language: SnippetLanguage
    title: str
    code: str
    def __init__(self, language: _Optional[_Union[SnippetLanguage, str]] = ..., title: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class CreateWorkflowRequest(_message.Message):
    __slots__ = ("name", "description", "draft", "settings")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    draft: _graph_pb2.Graph
    settings: WorkflowSettings
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., draft: _Optional[_Union[_graph_pb2.Graph, _Mapping]] = ..., settings: _Optional[_Union[WorkflowSettings, _Mapping]] = ...) -> None: ...

class CreateWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class GetWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class GetWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class ListWorkflowsRequest(_message.Message):
    __slots__ = ("statuses", "trigger_kind", "query", "sort", "page_size", "page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_KIND_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[WorkflowStatus]
    trigger_kind: _graph_pb2.TriggerKind
    query: str
    sort: WorkflowSort
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[WorkflowStatus, str]]] = ..., trigger_kind: _Optional[_Union[_graph_pb2.TriggerKind, str]] = ..., query: _Optional[str] = ..., sort: _Optional[_Union[WorkflowSort, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWorkflowsResponse(_message.Message):
    __slots__ = ("workflows", "next_page_token")
    WORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    workflows: _containers.RepeatedCompositeFieldContainer[Workflow]
    next_page_token: str
    def __init__(self, workflows: _Optional[_Iterable[_Union[Workflow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateDraftRequest(_message.Message):
    __slots__ = ("workflow_id", "expected_revision", "draft", "name", "description", "settings")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    expected_revision: int
    draft: _graph_pb2.Graph
    name: str
    description: str
    settings: WorkflowSettings
    def __init__(self, workflow_id: _Optional[str] = ..., expected_revision: _Optional[int] = ..., draft: _Optional[_Union[_graph_pb2.Graph, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., settings: _Optional[_Union[WorkflowSettings, _Mapping]] = ...) -> None: ...

class UpdateDraftResponse(_message.Message):
    __slots__ = ("workflow", "problems")
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ..., problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ...) -> None: ...

class DeleteWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class DeleteWorkflowResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ValidateWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id", "graph")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    graph: _graph_pb2.Graph
    def __init__(self, workflow_id: _Optional[str] = ..., graph: _Optional[_Union[_graph_pb2.Graph, _Mapping]] = ...) -> None: ...

class ValidateWorkflowResponse(_message.Message):
    __slots__ = ("problems", "valid")
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    valid: bool
    def __init__(self, problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ..., valid: _Optional[bool] = ...) -> None: ...

class SaveVersionRequest(_message.Message):
    __slots__ = ("workflow_id", "note")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    note: str
    def __init__(self, workflow_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class SaveVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: WorkflowVersion
    def __init__(self, version: _Optional[_Union[WorkflowVersion, _Mapping]] = ...) -> None: ...

class PublishWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id", "note")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    note: str
    def __init__(self, workflow_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class PublishWorkflowResponse(_message.Message):
    __slots__ = ("workflow", "version")
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    version: WorkflowVersion
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ..., version: _Optional[_Union[WorkflowVersion, _Mapping]] = ...) -> None: ...

class PauseWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class PauseWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class ResumeWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class ResumeWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class ArchiveWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class ArchiveWorkflowResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("workflow_id", "page_size", "page_token")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    page_size: int
    page_token: str
    def __init__(self, workflow_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[WorkflowVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[WorkflowVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ("workflow_id", "number")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    number: int
    def __init__(self, workflow_id: _Optional[str] = ..., number: _Optional[int] = ...) -> None: ...

class GetVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: WorkflowVersion
    def __init__(self, version: _Optional[_Union[WorkflowVersion, _Mapping]] = ...) -> None: ...

class RestoreVersionRequest(_message.Message):
    __slots__ = ("workflow_id", "number", "expected_revision")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    number: int
    expected_revision: int
    def __init__(self, workflow_id: _Optional[str] = ..., number: _Optional[int] = ..., expected_revision: _Optional[int] = ...) -> None: ...

class RestoreVersionResponse(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class TriggerWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id", "session_id", "variables", "idempotency_key")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    session_id: str
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, workflow_id: _Optional[str] = ..., session_id: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class TriggerWorkflowResponse(_message.Message):
    __slots__ = ("run_id", "run")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    run: Run
    def __init__(self, run_id: _Optional[str] = ..., run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class TestWorkflowRequest(_message.Message):
    __slots__ = ("workflow_id", "version", "session_id", "trigger_data", "variables", "fast_forward", "manual")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_DATA_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    FAST_FORWARD_FIELD_NUMBER: _ClassVar[int]
    MANUAL_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    version: int
    session_id: str
    trigger_data: _struct_pb2.Struct
    variables: _struct_pb2.Struct
    fast_forward: bool
    manual: bool
    def __init__(self, workflow_id: _Optional[str] = ..., version: _Optional[int] = ..., session_id: _Optional[str] = ..., trigger_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., fast_forward: _Optional[bool] = ..., manual: _Optional[bool] = ...) -> None: ...

class TestWorkflowResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("workflow_id", "statuses", "mode", "session_id", "created_after", "created_before", "page_size", "page_token")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    statuses: _containers.RepeatedScalarFieldContainer[RunStatus]
    mode: RunMode
    session_id: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, workflow_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[RunStatus, str]]] = ..., mode: _Optional[_Union[RunMode, str]] = ..., session_id: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[Run]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[Run, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class GetRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class CancelRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class CancelRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: Run
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ...) -> None: ...

class GetSnippetsRequest(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class GetSnippetsResponse(_message.Message):
    __slots__ = ("workflow_id", "encoded_workflow_id", "snippets")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    ENCODED_WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SNIPPETS_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    encoded_workflow_id: str
    snippets: _containers.RepeatedCompositeFieldContainer[Snippet]
    def __init__(self, workflow_id: _Optional[str] = ..., encoded_workflow_id: _Optional[str] = ..., snippets: _Optional[_Iterable[_Union[Snippet, _Mapping]]] = ...) -> None: ...
