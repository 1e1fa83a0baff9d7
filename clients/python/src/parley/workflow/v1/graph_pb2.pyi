from buf.validate import validate_pb2 as _validate_pb2
from parley.session.v1 import session_pb2 as _session_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_KIND_UNSPECIFIED: _ClassVar[TriggerKind]
    TRIGGER_KIND_NEW_CONVERSATION: _ClassVar[TriggerKind]
    TRIGGER_KIND_NEW_SESSION: _ClassVar[TriggerKind]
    TRIGGER_KIND_MESSAGE_RECEIVED: _ClassVar[TriggerKind]
    TRIGGER_KIND_BUTTON_ANSWERED: _ClassVar[TriggerKind]
    TRIGGER_KIND_INPUT_ANSWERED: _ClassVar[TriggerKind]
    TRIGGER_KIND_AI_AGENT_ASSIGNED: _ClassVar[TriggerKind]
    TRIGGER_KIND_HUMAN_AGENT_ASSIGNED: _ClassVar[TriggerKind]
    TRIGGER_KIND_CONVERSATION_OPENED: _ClassVar[TriggerKind]
    TRIGGER_KIND_CONVERSATION_RESOLVED: _ClassVar[TriggerKind]
    TRIGGER_KIND_CONVERSATION_STARRED: _ClassVar[TriggerKind]
    TRIGGER_KIND_LABEL_ADDED: _ClassVar[TriggerKind]
    TRIGGER_KIND_LABEL_REMOVED: _ClassVar[TriggerKind]
    TRIGGER_KIND_SEGMENT_UPDATED: _ClassVar[TriggerKind]
    TRIGGER_KIND_CUSTOM_DATA_UPDATED: _ClassVar[TriggerKind]
    TRIGGER_KIND_LEAD_CREATED: _ClassVar[TriggerKind]
    TRIGGER_KIND_LEAD_STAGE_CHANGED: _ClassVar[TriggerKind]
    TRIGGER_KIND_PROGRAMMATIC: _ClassVar[TriggerKind]

class TimeUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_UNIT_UNSPECIFIED: _ClassVar[TimeUnit]
    TIME_UNIT_SECONDS: _ClassVar[TimeUnit]
    TIME_UNIT_MINUTES: _ClassVar[TimeUnit]
    TIME_UNIT_HOURS: _ClassVar[TimeUnit]
    TIME_UNIT_DAYS: _ClassVar[TimeUnit]

class DataScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_SCOPE_UNSPECIFIED: _ClassVar[DataScope]
    DATA_SCOPE_SESSION: _ClassVar[DataScope]
    DATA_SCOPE_VARIABLE: _ClassVar[DataScope]

class ValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALUE_TYPE_UNSPECIFIED: _ClassVar[ValueType]
    VALUE_TYPE_STRING: _ClassVar[ValueType]
    VALUE_TYPE_NUMBER: _ClassVar[ValueType]
    VALUE_TYPE_BOOL: _ClassVar[ValueType]

class AssignMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGN_MODE_UNSPECIFIED: _ClassVar[AssignMode]
    ASSIGN_MODE_SPECIFIC: _ClassVar[AssignMode]
    ASSIGN_MODE_ROUND_ROBIN: _ClassVar[AssignMode]
    ASSIGN_MODE_LAST_RESPONDING: _ClassVar[AssignMode]

class ConditionField(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONDITION_FIELD_UNSPECIFIED: _ClassVar[ConditionField]
    CONDITION_FIELD_STATUS: _ClassVar[ConditionField]
    CONDITION_FIELD_LABELS: _ClassVar[ConditionField]
    CONDITION_FIELD_SEGMENTS: _ClassVar[ConditionField]
    CONDITION_FIELD_CHANNEL: _ClassVar[ConditionField]
    CONDITION_FIELD_STARRED: _ClassVar[ConditionField]
    CONDITION_FIELD_MESSAGE_TEXT: _ClassVar[ConditionField]
    CONDITION_FIELD_IS_NEW_CONVERSATION: _ClassVar[ConditionField]
    CONDITION_FIELD_CUSTOM_DATA: _ClassVar[ConditionField]
    CONDITION_FIELD_VARIABLE: _ClassVar[ConditionField]
    CONDITION_FIELD_LEAD_STAGE: _ClassVar[ConditionField]
    CONDITION_FIELD_LEAD_AMOUNT: _ClassVar[ConditionField]
    CONDITION_FIELD_MESSAGE_COUNT: _ClassVar[ConditionField]
    CONDITION_FIELD_TIME_SINCE_LAST_MESSAGE: _ClassVar[ConditionField]
    CONDITION_FIELD_ASSIGNEE: _ClassVar[ConditionField]

class Operator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATOR_UNSPECIFIED: _ClassVar[Operator]
    OPERATOR_EQUALS: _ClassVar[Operator]
    OPERATOR_NOT_EQUALS: _ClassVar[Operator]
    OPERATOR_CONTAINS: _ClassVar[Operator]
    OPERATOR_NOT_CONTAINS: _ClassVar[Operator]
    OPERATOR_STARTS_WITH: _ClassVar[Operator]
    OPERATOR_ENDS_WITH: _ClassVar[Operator]
    OPERATOR_MATCHES_REGEX: _ClassVar[Operator]
    OPERATOR_GREATER_THAN: _ClassVar[Operator]
    OPERATOR_GREATER_THAN_OR_EQUAL: _ClassVar[Operator]
    OPERATOR_LESS_THAN: _ClassVar[Operator]
    OPERATOR_LESS_THAN_OR_EQUAL: _ClassVar[Operator]
    OPERATOR_IS_SET: _ClassVar[Operator]
    OPERATOR_IS_NOT_SET: _ClassVar[Operator]
    OPERATOR_CONTAINS_ANY: _ClassVar[Operator]
    OPERATOR_CONTAINS_ALL: _ClassVar[Operator]
    OPERATOR_CONTAINS_NONE: _ClassVar[Operator]

class Match(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_UNSPECIFIED: _ClassVar[Match]
    MATCH_ALL: _ClassVar[Match]
    MATCH_ANY: _ClassVar[Match]

class WaitEvent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAIT_EVENT_UNSPECIFIED: _ClassVar[WaitEvent]
    WAIT_EVENT_VISITOR_MESSAGE: _ClassVar[WaitEvent]
    WAIT_EVENT_BUTTON_CLICK: _ClassVar[WaitEvent]
    WAIT_EVENT_INPUT_ANSWER: _ClassVar[WaitEvent]

class HttpMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HTTP_METHOD_UNSPECIFIED: _ClassVar[HttpMethod]
    HTTP_METHOD_GET: _ClassVar[HttpMethod]
    HTTP_METHOD_POST: _ClassVar[HttpMethod]
    HTTP_METHOD_PUT: _ClassVar[HttpMethod]
    HTTP_METHOD_PATCH: _ClassVar[HttpMethod]
    HTTP_METHOD_DELETE: _ClassVar[HttpMethod]
TRIGGER_KIND_UNSPECIFIED: TriggerKind
TRIGGER_KIND_NEW_CONVERSATION: TriggerKind
TRIGGER_KIND_NEW_SESSION: TriggerKind
TRIGGER_KIND_MESSAGE_RECEIVED: TriggerKind
TRIGGER_KIND_BUTTON_ANSWERED: TriggerKind
TRIGGER_KIND_INPUT_ANSWERED: TriggerKind
TRIGGER_KIND_AI_AGENT_ASSIGNED: TriggerKind
TRIGGER_KIND_HUMAN_AGENT_ASSIGNED: TriggerKind
TRIGGER_KIND_CONVERSATION_OPENED: TriggerKind
TRIGGER_KIND_CONVERSATION_RESOLVED: TriggerKind
TRIGGER_KIND_CONVERSATION_STARRED: TriggerKind
TRIGGER_KIND_LABEL_ADDED: TriggerKind
TRIGGER_KIND_LABEL_REMOVED: TriggerKind
TRIGGER_KIND_SEGMENT_UPDATED: TriggerKind
TRIGGER_KIND_CUSTOM_DATA_UPDATED: TriggerKind
TRIGGER_KIND_LEAD_CREATED: TriggerKind
TRIGGER_KIND_LEAD_STAGE_CHANGED: TriggerKind
TRIGGER_KIND_PROGRAMMATIC: TriggerKind
TIME_UNIT_UNSPECIFIED: TimeUnit
TIME_UNIT_SECONDS: TimeUnit
TIME_UNIT_MINUTES: TimeUnit
TIME_UNIT_HOURS: TimeUnit
TIME_UNIT_DAYS: TimeUnit
DATA_SCOPE_UNSPECIFIED: DataScope
DATA_SCOPE_SESSION: DataScope
DATA_SCOPE_VARIABLE: DataScope
VALUE_TYPE_UNSPECIFIED: ValueType
VALUE_TYPE_STRING: ValueType
VALUE_TYPE_NUMBER: ValueType
VALUE_TYPE_BOOL: ValueType
ASSIGN_MODE_UNSPECIFIED: AssignMode
ASSIGN_MODE_SPECIFIC: AssignMode
ASSIGN_MODE_ROUND_ROBIN: AssignMode
ASSIGN_MODE_LAST_RESPONDING: AssignMode
CONDITION_FIELD_UNSPECIFIED: ConditionField
CONDITION_FIELD_STATUS: ConditionField
CONDITION_FIELD_LABELS: ConditionField
CONDITION_FIELD_SEGMENTS: ConditionField
CONDITION_FIELD_CHANNEL: ConditionField
CONDITION_FIELD_STARRED: ConditionField
CONDITION_FIELD_MESSAGE_TEXT: ConditionField
CONDITION_FIELD_IS_NEW_CONVERSATION: ConditionField
CONDITION_FIELD_CUSTOM_DATA: ConditionField
CONDITION_FIELD_VARIABLE: ConditionField
CONDITION_FIELD_LEAD_STAGE: ConditionField
CONDITION_FIELD_LEAD_AMOUNT: ConditionField
CONDITION_FIELD_MESSAGE_COUNT: ConditionField
CONDITION_FIELD_TIME_SINCE_LAST_MESSAGE: ConditionField
CONDITION_FIELD_ASSIGNEE: ConditionField
OPERATOR_UNSPECIFIED: Operator
OPERATOR_EQUALS: Operator
OPERATOR_NOT_EQUALS: Operator
OPERATOR_CONTAINS: Operator
OPERATOR_NOT_CONTAINS: Operator
OPERATOR_STARTS_WITH: Operator
OPERATOR_ENDS_WITH: Operator
OPERATOR_MATCHES_REGEX: Operator
OPERATOR_GREATER_THAN: Operator
OPERATOR_GREATER_THAN_OR_EQUAL: Operator
OPERATOR_LESS_THAN: Operator
OPERATOR_LESS_THAN_OR_EQUAL: Operator
OPERATOR_IS_SET: Operator
OPERATOR_IS_NOT_SET: Operator
OPERATOR_CONTAINS_ANY: Operator
OPERATOR_CONTAINS_ALL: Operator
OPERATOR_CONTAINS_NONE: Operator
MATCH_UNSPECIFIED: Match
MATCH_ALL: Match
MATCH_ANY: Match
WAIT_EVENT_UNSPECIFIED: WaitEvent
WAIT_EVENT_VISITOR_MESSAGE: WaitEvent
WAIT_EVENT_BUTTON_CLICK: WaitEvent
WAIT_EVENT_INPUT_ANSWER: WaitEvent
HTTP_METHOD_UNSPECIFIED: HttpMethod
HTTP_METHOD_GET: HttpMethod
HTTP_METHOD_POST: HttpMethod
HTTP_METHOD_PUT: HttpMethod
HTTP_METHOD_PATCH: HttpMethod
HTTP_METHOD_DELETE: HttpMethod

class Graph(_message.Message):
    __slots__ = ("nodes", "edges")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    edges: _containers.RepeatedCompositeFieldContainer[Edge]
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[Edge, _Mapping]]] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("x", "y")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ...) -> None: ...

class Edge(_message.Message):
    __slots__ = ("from_node", "from_port", "to_node")
    FROM_NODE_FIELD_NUMBER: _ClassVar[int]
    FROM_PORT_FIELD_NUMBER: _ClassVar[int]
    TO_NODE_FIELD_NUMBER: _ClassVar[int]
    from_node: str
    from_port: str
    to_node: str
    def __init__(self, from_node: _Optional[str] = ..., from_port: _Optional[str] = ..., to_node: _Optional[str] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("id", "position", "label", "new_conversation", "new_session", "message_received", "button_answered", "input_answered", "ai_agent_assigned", "human_agent_assigned", "conversation_opened", "conversation_resolved", "conversation_starred", "label_added", "label_removed", "segment_updated", "custom_data_updated", "lead_created", "lead_stage_changed", "programmatic", "send_message", "button_picker", "field_input", "private_note", "set_data", "add_label", "remove_label", "add_segment", "remove_segment", "assign_user", "assign_ai", "start_agent", "pause_agent", "open_conversation", "resolve_conversation", "star_conversation", "unstar_conversation", "change_lead_stage", "send_notification", "send_webhook", "ai_extraction", "custom_skill", "decision", "delay", "wait_for_event", "stop_workflow", "end", "fetch_api")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NEW_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    NEW_SESSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BUTTON_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    INPUT_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    AI_AGENT_ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    HUMAN_AGENT_ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_OPENED_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_STARRED_FIELD_NUMBER: _ClassVar[int]
    LABEL_ADDED_FIELD_NUMBER: _ClassVar[int]
    LABEL_REMOVED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_UPDATED_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_DATA_UPDATED_FIELD_NUMBER: _ClassVar[int]
    LEAD_CREATED_FIELD_NUMBER: _ClassVar[int]
    LEAD_STAGE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PROGRAMMATIC_FIELD_NUMBER: _ClassVar[int]
    SEND_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    BUTTON_PICKER_FIELD_NUMBER: _ClassVar[int]
    FIELD_INPUT_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_NOTE_FIELD_NUMBER: _ClassVar[int]
    SET_DATA_FIELD_NUMBER: _ClassVar[int]
    ADD_LABEL_FIELD_NUMBER: _ClassVar[int]
    REMOVE_LABEL_FIELD_NUMBER: _ClassVar[int]
    ADD_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    REMOVE_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_USER_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_AI_FIELD_NUMBER: _ClassVar[int]
    START_AGENT_FIELD_NUMBER: _ClassVar[int]
    PAUSE_AGENT_FIELD_NUMBER: _ClassVar[int]
    OPEN_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    STAR_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    UNSTAR_CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_LEAD_STAGE_FIELD_NUMBER: _ClassVar[int]
    SEND_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    SEND_WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    AI_EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_SKILL_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_EVENT_FIELD_NUMBER: _ClassVar[int]
    STOP_WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FETCH_API_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: Position
    label: str
    new_conversation: NewConversationTrigger
    new_session: NewSessionTrigger
    message_received: MessageReceivedTrigger
    button_answered: ButtonAnsweredTrigger
    input_answered: InputAnsweredTrigger
    ai_agent_assigned: AiAgentAssignedTrigger
    human_agent_assigned: HumanAgentAssignedTrigger
    conversation_opened: ConversationOpenedTrigger
    conversation_resolved: ConversationResolvedTrigger
    conversation_starred: ConversationStarredTrigger
    label_added: LabelAddedTrigger
    label_removed: LabelRemovedTrigger
    segment_updated: SegmentUpdatedTrigger
    custom_data_updated: CustomDataUpdatedTrigger
    lead_created: LeadCreatedTrigger
    lead_stage_changed: LeadStageChangedTrigger
    programmatic: ProgrammaticTrigger
    send_message: SendMessageAction
    button_picker: ButtonPickerAction
    field_input: FieldInputAction
    private_note: PrivateNoteAction
    set_data: SetDataAction
    add_label: AddLabelAction
    remove_label: RemoveLabelAction
    add_segment: AddSegmentAction
    remove_segment: RemoveSegmentAction
    assign_user: AssignUserAction
    assign_ai: AssignAiAction
    start_agent: StartAgentAction
    pause_agent: PauseAgentAction
    open_conversation: OpenConversationAction
    resolve_conversation: ResolveConversationAction
    star_conversation: StarConversationAction
    unstar_conversation: UnstarConversationAction
    change_lead_stage: ChangeLeadStageAction
    send_notification: SendNotificationAction
    send_webhook: SendWebhookAction
    ai_extraction: AiExtractionAction
    custom_skill: CustomSkillAction
    decision: DecisionNode
    delay: DelayNode
    wait_for_event: WaitForEventNode
    stop_workflow: StopWorkflowNode
    end: EndNode
    fetch_api: FetchApiNode
    def __init__(self, id: _Optional[str] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., label: _Optional[str] = ..., new_conversation: _Optional[_Union[NewConversationTrigger, _Mapping]] = ..., new_session: _Optional[_Union[NewSessionTrigger, _Mapping]] = ..., message_received: _Optional[_Union[MessageReceivedTrigger, _Mapping]] = ..., button_answered: _Optional[_Union[ButtonAnsweredTrigger, _Mapping]] = ..., input_answered: _Optional[_Union[InputAnsweredTrigger, _Mapping]] = ..., ai_agent_assigned: _Optional[_Union[AiAgentAssignedTrigger, _Mapping]] = ..., human_agent_assigned: _Optional[_Union[HumanAgentAssignedTrigger, _Mapping]] = ..., conversation_opened: _Optional[_Union[ConversationOpenedTrigger, _Mapping]] = ..., conversation_resolved: _Optional[_Union[ConversationResolvedTrigger, _Mapping]] = ..., conversation_starred: _Optional[_Union[ConversationStarredTrigger, _Mapping]] = ..., label_added: _Optional[_Union[LabelAddedTrigger, _Mapping]] = ..., label_removed: _Optional[_Union[LabelRemovedTrigger, _Mapping]] = ..., segment_updated: _Optional[_Union[SegmentUpdatedTrigger, _Mapping]] = ..., custom_data_updated: _Optional[_Union[CustomDataUpdatedTrigger, _Mapping]] = ..., lead_created: _Optional[_Union[LeadCreatedTrigger, _Mapping]] = ..., lead_stage_changed: _Optional[_Union[LeadStageChangedTrigger, _Mapping]] = ..., programmatic: _Optional[_Union[ProgrammaticTrigger, _Mapping]] = ..., send_message: _Optional[_Union[SendMessageAction, _Mapping]] = ..., button_picker: _Optional[_Union[ButtonPickerAction, _Mapping]] = ..., field_input: _Optional[_Union[FieldInputAction, _Mapping]] = ..., private_note: _Optional[_Union[PrivateNoteAction, _Mapping]] = ..., set_data: _Optional[_Union[SetDataAction, _Mapping]] = ..., add_label: _Optional[_Union[AddLabelAction, _Mapping]] = ..., remove_label: _Optional[_Union[RemoveLabelAction, _Mapping]] = ..., add_segment: _Optional[_Union[AddSegmentAction, _Mapping]] = ..., remove_segment: _Optional[_Union[RemoveSegmentAction, _Mapping]] = ..., assign_user: _Optional[_Union[AssignUserAction, _Mapping]] = ..., assign_ai: _Optional[_Union[AssignAiAction, _Mapping]] = ..., start_agent: _Optional[_Union[StartAgentAction, _Mapping]] = ..., pause_agent: _Optional[_Union[PauseAgentAction, _Mapping]] = ..., open_conversation: _Optional[_Union[OpenConversationAction, _Mapping]] = ..., resolve_conversation: _Optional[_Union[ResolveConversationAction, _Mapping]] = ..., star_conversation: _Optional[_Union[StarConversationAction, _Mapping]] = ..., unstar_conversation: _Optional[_Union[UnstarConversationAction, _Mapping]] = ..., change_lead_stage: _Optional[_Union[ChangeLeadStageAction, _Mapping]] = ..., send_notification: _Optional[_Union[SendNotificationAction, _Mapping]] = ..., send_webhook: _Optional[_Union[SendWebhookAction, _Mapping]] = ..., ai_extraction: _Optional[_Union[AiExtractionAction, _Mapping]] = ..., custom_skill: _Optional[_Union[CustomSkillAction, _Mapping]] = ..., decision: _Optional[_Union[DecisionNode, _Mapping]] = ..., delay: _Optional[_Union[DelayNode, _Mapping]] = ..., wait_for_event: _Optional[_Union[WaitForEventNode, _Mapping]] = ..., stop_workflow: _Optional[_Union[StopWorkflowNode, _Mapping]] = ..., end: _Optional[_Union[EndNode, _Mapping]] = ..., fetch_api: _Optional[_Union[FetchApiNode, _Mapping]] = ...) -> None: ...

class Duration(_message.Message):
    __slots__ = ("amount", "unit")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    amount: int
    unit: TimeUnit
    def __init__(self, amount: _Optional[int] = ..., unit: _Optional[_Union[TimeUnit, str]] = ...) -> None: ...

class NewConversationTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewSessionTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MessageReceivedTrigger(_message.Message):
    __slots__ = ("match",)
    MATCH_FIELD_NUMBER: _ClassVar[int]
    match: TextMatch
    def __init__(self, match: _Optional[_Union[TextMatch, _Mapping]] = ...) -> None: ...

class TextMatch(_message.Message):
    __slots__ = ("operator", "value", "case_sensitive")
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CASE_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    operator: Operator
    value: str
    case_sensitive: bool
    def __init__(self, operator: _Optional[_Union[Operator, str]] = ..., value: _Optional[str] = ..., case_sensitive: _Optional[bool] = ...) -> None: ...

class ButtonAnsweredTrigger(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: str
    def __init__(self, value: _Optional[str] = ...) -> None: ...

class InputAnsweredTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AiAgentAssignedTrigger(_message.Message):
    __slots__ = ("persona_id",)
    PERSONA_ID_FIELD_NUMBER: _ClassVar[int]
    persona_id: str
    def __init__(self, persona_id: _Optional[str] = ...) -> None: ...

class HumanAgentAssignedTrigger(_message.Message):
    __slots__ = ("operator_id",)
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    operator_id: str
    def __init__(self, operator_id: _Optional[str] = ...) -> None: ...

class ConversationOpenedTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConversationResolvedTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ConversationStarredTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LabelAddedTrigger(_message.Message):
    __slots__ = ("labels",)
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, labels: _Optional[_Iterable[str]] = ...) -> None: ...

class LabelRemovedTrigger(_message.Message):
    __slots__ = ("labels",)
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, labels: _Optional[_Iterable[str]] = ...) -> None: ...

class SegmentUpdatedTrigger(_message.Message):
    __slots__ = ("segments",)
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segments: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomDataUpdatedTrigger(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class LeadCreatedTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LeadStageChangedTrigger(_message.Message):
    __slots__ = ("stage",)
    STAGE_FIELD_NUMBER: _ClassVar[int]
    stage: str
    def __init__(self, stage: _Optional[str] = ...) -> None: ...

class ProgrammaticTrigger(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendMessageAction(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class ButtonPickerAction(_message.Message):
    __slots__ = ("text", "buttons", "variable")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BUTTONS_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    text: str
    buttons: _containers.RepeatedCompositeFieldContainer[_session_pb2.Button]
    variable: str
    def __init__(self, text: _Optional[str] = ..., buttons: _Optional[_Iterable[_Union[_session_pb2.Button, _Mapping]]] = ..., variable: _Optional[str] = ...) -> None: ...

class FieldInputAction(_message.Message):
    __slots__ = ("text", "kind", "placeholder", "variable")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    text: str
    kind: _session_pb2.InputKind
    placeholder: str
    variable: str
    def __init__(self, text: _Optional[str] = ..., kind: _Optional[_Union[_session_pb2.InputKind, str]] = ..., placeholder: _Optional[str] = ..., variable: _Optional[str] = ...) -> None: ...

class PrivateNoteAction(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class SetDataAction(_message.Message):
    __slots__ = ("key", "value", "scope", "value_type")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    scope: DataScope
    value_type: ValueType
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., scope: _Optional[_Union[DataScope, str]] = ..., value_type: _Optional[_Union[ValueType, str]] = ...) -> None: ...

class AddLabelAction(_message.Message):
    __slots__ = ("labels",)
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, labels: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveLabelAction(_message.Message):
    __slots__ = ("labels",)
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, labels: _Optional[_Iterable[str]] = ...) -> None: ...

class AddSegmentAction(_message.Message):
    __slots__ = ("segments",)
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segments: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveSegmentAction(_message.Message):
    __slots__ = ("segments",)
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segments: _Optional[_Iterable[str]] = ...) -> None: ...

class AssignUserAction(_message.Message):
    __slots__ = ("mode", "operator_id")
    MODE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    mode: AssignMode
    operator_id: str
    def __init__(self, mode: _Optional[_Union[AssignMode, str]] = ..., operator_id: _Optional[str] = ...) -> None: ...

class AssignAiAction(_message.Message):
    __slots__ = ("persona_id",)
    PERSONA_ID_FIELD_NUMBER: _ClassVar[int]
    persona_id: str
    def __init__(self, persona_id: _Optional[str] = ...) -> None: ...

class StartAgentAction(_message.Message):
    __slots__ = ("instruction",)
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    instruction: str
    def __init__(self, instruction: _Optional[str] = ...) -> None: ...

class PauseAgentAction(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OpenConversationAction(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResolveConversationAction(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StarConversationAction(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnstarConversationAction(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangeLeadStageAction(_message.Message):
    __slots__ = ("stage", "expected_amount_minor")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    stage: str
    expected_amount_minor: int
    def __init__(self, stage: _Optional[str] = ..., expected_amount_minor: _Optional[int] = ...) -> None: ...

class SendNotificationAction(_message.Message):
    __slots__ = ("operator_ids", "title", "body", "email")
    OPERATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    operator_ids: _containers.RepeatedScalarFieldContainer[str]
    title: str
    body: str
    email: bool
    def __init__(self, operator_ids: _Optional[_Iterable[str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., email: _Optional[bool] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class SendWebhookAction(_message.Message):
    __slots__ = ("url", "headers", "body")
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    url: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    body: str
    def __init__(self, url: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., body: _Optional[str] = ...) -> None: ...

class AiExtractionAction(_message.Message):
    __slots__ = ("labels", "sentiment_variable", "fields")
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_VARIABLE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    sentiment_variable: str
    fields: _containers.RepeatedCompositeFieldContainer[ExtractionField]
    def __init__(self, labels: _Optional[_Iterable[str]] = ..., sentiment_variable: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[ExtractionField, _Mapping]]] = ...) -> None: ...

class ExtractionField(_message.Message):
    __slots__ = ("key", "description", "type")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    key: str
    description: str
    type: ValueType
    def __init__(self, key: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[ValueType, str]] = ...) -> None: ...

class CustomSkillAction(_message.Message):
    __slots__ = ("name", "description", "url", "input_schema", "output_variable")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_VARIABLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    url: str
    input_schema: str
    output_variable: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., url: _Optional[str] = ..., input_schema: _Optional[str] = ..., output_variable: _Optional[str] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("field", "key", "operator", "values", "case_sensitive")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    CASE_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    field: ConditionField
    key: str
    operator: Operator
    values: _containers.RepeatedScalarFieldContainer[str]
    case_sensitive: bool
    def __init__(self, field: _Optional[_Union[ConditionField, str]] = ..., key: _Optional[str] = ..., operator: _Optional[_Union[Operator, str]] = ..., values: _Optional[_Iterable[str]] = ..., case_sensitive: _Optional[bool] = ...) -> None: ...

class DecisionNode(_message.Message):
    __slots__ = ("match", "conditions")
    MATCH_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    match: Match
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    def __init__(self, match: _Optional[_Union[Match, str]] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ...) -> None: ...

class DelayNode(_message.Message):
    __slots__ = ("duration",)
    DURATION_FIELD_NUMBER: _ClassVar[int]
    duration: Duration
    def __init__(self, duration: _Optional[_Union[Duration, _Mapping]] = ...) -> None: ...

class WaitForEventNode(_message.Message):
    __slots__ = ("event", "timeout", "variable", "cancel_on_operator_reply")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_ON_OPERATOR_REPLY_FIELD_NUMBER: _ClassVar[int]
    event: WaitEvent
    timeout: Duration
    variable: str
    cancel_on_operator_reply: bool
    def __init__(self, event: _Optional[_Union[WaitEvent, str]] = ..., timeout: _Optional[_Union[Duration, _Mapping]] = ..., variable: _Optional[str] = ..., cancel_on_operator_reply: _Optional[bool] = ...) -> None: ...

class StopWorkflowNode(_message.Message):
    __slots__ = ("cooldown",)
    COOLDOWN_FIELD_NUMBER: _ClassVar[int]
    cooldown: Duration
    def __init__(self, cooldown: _Optional[_Union[Duration, _Mapping]] = ...) -> None: ...

class EndNode(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResponseMapping(_message.Message):
    __slots__ = ("path", "variable")
    PATH_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    path: str
    variable: str
    def __init__(self, path: _Optional[str] = ..., variable: _Optional[str] = ...) -> None: ...

class FetchApiNode(_message.Message):
    __slots__ = ("method", "url", "headers", "body", "timeout_ms", "max_retries", "response_variable", "mappings")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_VARIABLE_FIELD_NUMBER: _ClassVar[int]
    MAPPINGS_FIELD_NUMBER: _ClassVar[int]
    method: HttpMethod
    url: str
    headers: _containers.RepeatedCompositeFieldContainer[Header]
    body: str
    timeout_ms: int
    max_retries: int
    response_variable: str
    mappings: _containers.RepeatedCompositeFieldContainer[ResponseMapping]
    def __init__(self, method: _Optional[_Union[HttpMethod, str]] = ..., url: _Optional[str] = ..., headers: _Optional[_Iterable[_Union[Header, _Mapping]]] = ..., body: _Optional[str] = ..., timeout_ms: _Optional[int] = ..., max_retries: _Optional[int] = ..., response_variable: _Optional[str] = ..., mappings: _Optional[_Iterable[_Union[ResponseMapping, _Mapping]]] = ...) -> None: ...
