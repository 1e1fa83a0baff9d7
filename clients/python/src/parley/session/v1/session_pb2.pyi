import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_WEBCHAT: _ClassVar[Channel]
    CHANNEL_WHATSAPP: _ClassVar[Channel]
    CHANNEL_INSTAGRAM: _ClassVar[Channel]
    CHANNEL_FACEBOOK: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_API: _ClassVar[Channel]

class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATUS_UNSPECIFIED: _ClassVar[Status]
    STATUS_OPEN: _ClassVar[Status]
    STATUS_RESOLVED: _ClassVar[Status]

class Actor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTOR_UNSPECIFIED: _ClassVar[Actor]
    ACTOR_VISITOR: _ClassVar[Actor]
    ACTOR_OPERATOR: _ClassVar[Actor]
    ACTOR_BOT: _ClassVar[Actor]
    ACTOR_AGENT: _ClassVar[Actor]
    ACTOR_SYSTEM: _ClassVar[Actor]

class InputKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INPUT_KIND_UNSPECIFIED: _ClassVar[InputKind]
    INPUT_KIND_TEXT: _ClassVar[InputKind]
    INPUT_KIND_EMAIL: _ClassVar[InputKind]
    INPUT_KIND_PHONE: _ClassVar[InputKind]
    INPUT_KIND_NUMBER: _ClassVar[InputKind]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_WEBCHAT: Channel
CHANNEL_WHATSAPP: Channel
CHANNEL_INSTAGRAM: Channel
CHANNEL_FACEBOOK: Channel
CHANNEL_EMAIL: Channel
CHANNEL_API: Channel
STATUS_UNSPECIFIED: Status
STATUS_OPEN: Status
STATUS_RESOLVED: Status
ACTOR_UNSPECIFIED: Actor
ACTOR_VISITOR: Actor
ACTOR_OPERATOR: Actor
ACTOR_BOT: Actor
ACTOR_AGENT: Actor
ACTOR_SYSTEM: Actor
INPUT_KIND_UNSPECIFIED: InputKind
INPUT_KIND_TEXT: InputKind
INPUT_KIND_EMAIL: InputKind
INPUT_KIND_PHONE: InputKind
INPUT_KIND_NUMBER: InputKind

class Session(_message.Message):
    __slots__ = ("id", "channel", "status", "starred", "assignee", "labels", "segments", "data", "visitor", "lead", "agent", "last_sequence", "message_count", "created_at", "updated_at", "last_message_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    channel: Channel
    status: Status
    starred: bool
    assignee: Assignee
    labels: _containers.RepeatedScalarFieldContainer[str]
    segments: _containers.RepeatedScalarFieldContainer[str]
    data: _struct_pb2.Struct
    visitor: Visitor
    lead: Lead
    agent: AgentState
    last_sequence: int
    message_count: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    last_message_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., status: _Optional[_Union[Status, str]] = ..., starred: _Optional[bool] = ..., assignee: _Optional[_Union[Assignee, _Mapping]] = ..., labels: _Optional[_Iterable[str]] = ..., segments: _Optional[_Iterable[str]] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ..., agent: _Optional[_Union[AgentState, _Mapping]] = ..., last_sequence: _Optional[int] = ..., message_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_message_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Assignee(_message.Message):
    __slots__ = ("operator_id", "persona_id")
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONA_ID_FIELD_NUMBER: _ClassVar[int]
    operator_id: str
    persona_id: str
    def __init__(self, operator_id: _Optional[str] = ..., persona_id: _Optional[str] = ...) -> None: ...

class Visitor(_message.Message):
    __slots__ = ("name", "email", "phone")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    phone: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class Lead(_message.Message):
    __slots__ = ("stage", "expected_amount_minor", "created_at")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    stage: str
    expected_amount_minor: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, stage: _Optional[str] = ..., expected_amount_minor: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AgentState(_message.Message):
    __slots__ = ("active", "instruction", "paused_reason", "updated_at")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    PAUSED_REASON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    active: bool
    instruction: str
    paused_reason: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, active: _Optional[bool] = ..., instruction: _Optional[str] = ..., paused_reason: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Operator(_message.Message):
    __slots__ = ("id", "name", "email", "available", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    email: str
    available: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., available: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionEvent(_message.Message):
    __slots__ = ("session_id", "sequence", "actor", "operator_id", "cause_run_id", "created_at", "session_created", "message", "note", "button_picker", "button_chosen", "input_requested", "input_answered", "data_set", "label_added", "label_removed", "segment_added", "segment_removed", "status_changed", "star_changed", "assignee_changed", "agent_state_changed", "lead_changed", "visitor_updated", "notification_sent")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_CREATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BUTTON_PICKER_FIELD_NUMBER: _ClassVar[int]
    BUTTON_CHOSEN_FIELD_NUMBER: _ClassVar[int]
    INPUT_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    INPUT_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    DATA_SET_FIELD_NUMBER: _ClassVar[int]
    LABEL_ADDED_FIELD_NUMBER: _ClassVar[int]
    LABEL_REMOVED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ADDED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_REMOVED_FIELD_NUMBER: _ClassVar[int]
    STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    STAR_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    AGENT_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    LEAD_CHANGED_FIELD_NUMBER: _ClassVar[int]
    VISITOR_UPDATED_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_SENT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    sequence: int
    actor: Actor
    operator_id: str
    cause_run_id: str
    created_at: _timestamp_pb2.Timestamp
    session_created: SessionCreated
    message: MessagePosted
    note: NotePosted
    button_picker: ButtonPickerPosted
    button_chosen: ButtonChosen
    input_requested: InputRequested
    input_answered: InputAnswered
    data_set: DataSet
    label_added: LabelChanged
    label_removed: LabelChanged
    segment_added: SegmentChanged
    segment_removed: SegmentChanged
    status_changed: StatusChanged
    star_changed: StarChanged
    assignee_changed: AssigneeChanged
    agent_state_changed: AgentStateChanged
    lead_changed: LeadChanged
    visitor_updated: VisitorUpdated
    notification_sent: NotificationSent
    def __init__(self, session_id: _Optional[str] = ..., sequence: _Optional[int] = ..., actor: _Optional[_Union[Actor, str]] = ..., operator_id: _Optional[str] = ..., cause_run_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_created: _Optional[_Union[SessionCreated, _Mapping]] = ..., message: _Optional[_Union[MessagePosted, _Mapping]] = ..., note: _Optional[_Union[NotePosted, _Mapping]] = ..., button_picker: _Optional[_Union[ButtonPickerPosted, _Mapping]] = ..., button_chosen: _Optional[_Union[ButtonChosen, _Mapping]] = ..., input_requested: _Optional[_Union[InputRequested, _Mapping]] = ..., input_answered: _Optional[_Union[InputAnswered, _Mapping]] = ..., data_set: _Optional[_Union[DataSet, _Mapping]] = ..., label_added: _Optional[_Union[LabelChanged, _Mapping]] = ..., label_removed: _Optional[_Union[LabelChanged, _Mapping]] = ..., segment_added: _Optional[_Union[SegmentChanged, _Mapping]] = ..., segment_removed: _Optional[_Union[SegmentChanged, _Mapping]] = ..., status_changed: _Optional[_Union[StatusChanged, _Mapping]] = ..., star_changed: _Optional[_Union[StarChanged, _Mapping]] = ..., assignee_changed: _Optional[_Union[AssigneeChanged, _Mapping]] = ..., agent_state_changed: _Optional[_Union[AgentStateChanged, _Mapping]] = ..., lead_changed: _Optional[_Union[LeadChanged, _Mapping]] = ..., visitor_updated: _Optional[_Union[VisitorUpdated, _Mapping]] = ..., notification_sent: _Optional[_Union[NotificationSent, _Mapping]] = ...) -> None: ...

class SessionCreated(_message.Message):
    __slots__ = ("channel", "visitor")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    visitor: Visitor
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ...) -> None: ...

class MessagePosted(_message.Message):
    __slots__ = ("text", "stream_id")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    text: str
    stream_id: str
    def __init__(self, text: _Optional[str] = ..., stream_id: _Optional[str] = ...) -> None: ...

class NotePosted(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class Button(_message.Message):
    __slots__ = ("label", "value")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    label: str
    value: str
    def __init__(self, label: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ButtonPickerPosted(_message.Message):
    __slots__ = ("text", "buttons")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BUTTONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    buttons: _containers.RepeatedCompositeFieldContainer[Button]
    def __init__(self, text: _Optional[str] = ..., buttons: _Optional[_Iterable[_Union[Button, _Mapping]]] = ...) -> None: ...

class ButtonChosen(_message.Message):
    __slots__ = ("picker_sequence", "button")
    PICKER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BUTTON_FIELD_NUMBER: _ClassVar[int]
    picker_sequence: int
    button: Button
    def __init__(self, picker_sequence: _Optional[int] = ..., button: _Optional[_Union[Button, _Mapping]] = ...) -> None: ...

class InputRequested(_message.Message):
    __slots__ = ("text", "kind", "placeholder")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    text: str
    kind: InputKind
    placeholder: str
    def __init__(self, text: _Optional[str] = ..., kind: _Optional[_Union[InputKind, str]] = ..., placeholder: _Optional[str] = ...) -> None: ...

class InputAnswered(_message.Message):
    __slots__ = ("request_sequence", "value")
    REQUEST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    request_sequence: int
    value: str
    def __init__(self, request_sequence: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...

class DataSet(_message.Message):
    __slots__ = ("key", "value", "unchanged")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: _struct_pb2.Value
    unchanged: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., unchanged: _Optional[bool] = ...) -> None: ...

class LabelChanged(_message.Message):
    __slots__ = ("label",)
    LABEL_FIELD_NUMBER: _ClassVar[int]
    label: str
    def __init__(self, label: _Optional[str] = ...) -> None: ...

class SegmentChanged(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: str
    def __init__(self, segment: _Optional[str] = ...) -> None: ...

class StatusChanged(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: Status
    def __init__(self, status: _Optional[_Union[Status, str]] = ...) -> None: ...

class StarChanged(_message.Message):
    __slots__ = ("starred",)
    STARRED_FIELD_NUMBER: _ClassVar[int]
    starred: bool
    def __init__(self, starred: _Optional[bool] = ...) -> None: ...

class AssigneeChanged(_message.Message):
    __slots__ = ("assignee",)
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    assignee: Assignee
    def __init__(self, assignee: _Optional[_Union[Assignee, _Mapping]] = ...) -> None: ...

class AgentStateChanged(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: AgentState
    def __init__(self, state: _Optional[_Union[AgentState, _Mapping]] = ...) -> None: ...

class LeadChanged(_message.Message):
    __slots__ = ("lead", "created")
    LEAD_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    lead: Lead
    created: bool
    def __init__(self, lead: _Optional[_Union[Lead, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class VisitorUpdated(_message.Message):
    __slots__ = ("visitor",)
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    visitor: Visitor
    def __init__(self, visitor: _Optional[_Union[Visitor, _Mapping]] = ...) -> None: ...

class NotificationSent(_message.Message):
    __slots__ = ("operator_ids", "title", "body")
    OPERATOR_IDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    operator_ids: _containers.RepeatedScalarFieldContainer[str]
    title: str
    body: str
    def __init__(self, operator_ids: _Optional[_Iterable[str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("public_key", "channel", "visitor", "data", "segments")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    channel: Channel
    visitor: Visitor
    data: _struct_pb2.Struct
    segments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, public_key: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., segments: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session", "session_token")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session: Session
    session_token: str
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., session_token: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("status", "label", "channel", "assignee_id", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: Status
    label: str
    channel: Channel
    assignee_id: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[Status, str]] = ..., label: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., assignee_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("session_id", "text", "button", "input", "note")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BUTTON_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    text: str
    button: ButtonChoice
    input: InputAnswer
    note: str
    def __init__(self, session_id: _Optional[str] = ..., text: _Optional[str] = ..., button: _Optional[_Union[ButtonChoice, _Mapping]] = ..., input: _Optional[_Union[InputAnswer, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class ButtonChoice(_message.Message):
    __slots__ = ("picker_sequence", "value")
    PICKER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    picker_sequence: int
    value: str
    def __init__(self, picker_sequence: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...

class InputAnswer(_message.Message):
    __slots__ = ("request_sequence", "value")
    REQUEST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    request_sequence: int
    value: str
    def __init__(self, request_sequence: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("session_id", "after_sequence", "page_size")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_sequence: int
    page_size: int
    def __init__(self, session_id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "has_more")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    has_more: bool
    def __init__(self, events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class SetDataRequest(_message.Message):
    __slots__ = ("session_id", "key", "value")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    key: str
    value: _struct_pb2.Value
    def __init__(self, session_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class SetDataResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class UpdateLabelsRequest(_message.Message):
    __slots__ = ("session_id", "add", "remove")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    add: _containers.RepeatedScalarFieldContainer[str]
    remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., add: _Optional[_Iterable[str]] = ..., remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateLabelsResponse(_message.Message):
    __slots__ = ("session", "events")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ...) -> None: ...

class UpdateSegmentsRequest(_message.Message):
    __slots__ = ("session_id", "add", "remove")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    add: _containers.RepeatedScalarFieldContainer[str]
    remove: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., add: _Optional[_Iterable[str]] = ..., remove: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateSegmentsResponse(_message.Message):
    __slots__ = ("session", "events")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    events: _containers.RepeatedCompositeFieldContainer[SessionEvent]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., events: _Optional[_Iterable[_Union[SessionEvent, _Mapping]]] = ...) -> None: ...

class SetStatusRequest(_message.Message):
    __slots__ = ("session_id", "status")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: Status
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[_Union[Status, str]] = ...) -> None: ...

class SetStatusResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class SetStarredRequest(_message.Message):
    __slots__ = ("session_id", "starred")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    starred: bool
    def __init__(self, session_id: _Optional[str] = ..., starred: _Optional[bool] = ...) -> None: ...

class SetStarredResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class AssignRequest(_message.Message):
    __slots__ = ("session_id", "operator_id", "persona_id", "unassign")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONA_ID_FIELD_NUMBER: _ClassVar[int]
    UNASSIGN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    operator_id: str
    persona_id: str
    unassign: bool
    def __init__(self, session_id: _Optional[str] = ..., operator_id: _Optional[str] = ..., persona_id: _Optional[str] = ..., unassign: _Optional[bool] = ...) -> None: ...

class AssignResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class SetLeadRequest(_message.Message):
    __slots__ = ("session_id", "stage", "expected_amount_minor")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    stage: str
    expected_amount_minor: int
    def __init__(self, session_id: _Optional[str] = ..., stage: _Optional[str] = ..., expected_amount_minor: _Optional[int] = ...) -> None: ...

class SetLeadResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class UpdateVisitorRequest(_message.Message):
    __slots__ = ("session_id", "visitor")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    VISITOR_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    visitor: Visitor
    def __init__(self, session_id: _Optional[str] = ..., visitor: _Optional[_Union[Visitor, _Mapping]] = ...) -> None: ...

class UpdateVisitorResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class RunWorkflowRequest(_message.Message):
    __slots__ = ("session_id", "workflow_id", "variables")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    workflow_id: str
    variables: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., workflow_id: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RunWorkflowResponse(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("session_id", "after_sequence")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_sequence: int
    def __init__(self, session_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("event", "heartbeat", "delta")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    event: SessionEvent
    heartbeat: Heartbeat
    delta: MessageDelta
    def __init__(self, event: _Optional[_Union[SessionEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., delta: _Optional[_Union[MessageDelta, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("time", "last_sequence")
    TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    last_sequence: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sequence: _Optional[int] = ...) -> None: ...

class MessageDelta(_message.Message):
    __slots__ = ("stream_id", "index", "text")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    index: int
    text: str
    def __init__(self, stream_id: _Optional[str] = ..., index: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class SubscribeWorkspaceRequest(_message.Message):
    __slots__ = ("after_cursor",)
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    after_cursor: str
    def __init__(self, after_cursor: _Optional[str] = ...) -> None: ...

class SubscribeWorkspaceResponse(_message.Message):
    __slots__ = ("event", "heartbeat")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    event: WorkspaceEvent
    heartbeat: Heartbeat
    def __init__(self, event: _Optional[_Union[WorkspaceEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class WorkspaceEvent(_message.Message):
    __slots__ = ("cursor", "event")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    event: SessionEvent
    def __init__(self, cursor: _Optional[str] = ..., event: _Optional[_Union[SessionEvent, _Mapping]] = ...) -> None: ...

class CreateOperatorRequest(_message.Message):
    __slots__ = ("name", "email", "available")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    available: bool
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ..., available: _Optional[bool] = ...) -> None: ...

class CreateOperatorResponse(_message.Message):
    __slots__ = ("operator",)
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    operator: Operator
    def __init__(self, operator: _Optional[_Union[Operator, _Mapping]] = ...) -> None: ...

class ListOperatorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListOperatorsResponse(_message.Message):
    __slots__ = ("operators",)
    OPERATORS_FIELD_NUMBER: _ClassVar[int]
    operators: _containers.RepeatedCompositeFieldContainer[Operator]
    def __init__(self, operators: _Optional[_Iterable[_Union[Operator, _Mapping]]] = ...) -> None: ...

class SetOperatorAvailabilityRequest(_message.Message):
    __slots__ = ("operator_id", "available")
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    operator_id: str
    available: bool
    def __init__(self, operator_id: _Optional[str] = ..., available: _Optional[bool] = ...) -> None: ...

class SetOperatorAvailabilityResponse(_message.Message):
    __slots__ = ("operator",)
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    operator: Operator
    def __init__(self, operator: _Optional[_Union[Operator, _Mapping]] = ...) -> None: ...
