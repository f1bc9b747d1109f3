-- 问题库 (issue 18): a 存在问题 a unit reported, or one an office found itself (a 问诊), taken up
-- by the office as an item: 立项 → 交办 to a unit with a due date → the unit answers → 销号, or
-- 退回 and answered again. `problems` holds what never changes (its plan, the unit it concerns,
-- its title and source); `problem_events` is the trail, append-only: one row per step with who,
-- when, what and the state after it. The item's current state, assignee and due date are those
-- of its last event (warehouse/sql/problems.sql).
CREATE SEQUENCE problem_id_seq;
CREATE TABLE problems (
    id BIGINT PRIMARY KEY DEFAULT nextval('problem_id_seq'),
    plan VARCHAR NOT NULL,            -- the plan whose office takes it up (the task's plan)
    unit VARCHAR NOT NULL,            -- the unit it concerns (the reporting unit)
    title VARCHAR NOT NULL,
    text VARCHAR NOT NULL,            -- the 存在问题 as reported, or the office's description
    source_submission BIGINT,         -- NULL: created by hand
    source_task VARCHAR,
    source_round VARCHAR,
    source_note VARCHAR,              -- by hand: where it came from (e.g. 2025年三季度问诊)
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE problem_event_id_seq;
CREATE TABLE problem_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('problem_event_id_seq'),
    problem_id BIGINT NOT NULL,
    step VARCHAR NOT NULL,            -- add, assign, answer, close, return
    state VARCHAR NOT NULL,           -- the state after this step (schemas.enums.ProblemState)
    assignee VARCHAR,                 -- the unit it is assigned to after this step
    due_date DATE,                    -- 请于 … 前反馈, after this step
    text VARCHAR,                     -- the answer, the reason for a return, a closing comment
    evidence_name VARCHAR,            -- an answer's evidence file (checked like any 佐证材料)
    evidence_type VARCHAR,
    evidence_path VARCHAR,
    actor VARCHAR NOT NULL,           -- the account's username
    happened_at TIMESTAMP NOT NULL
);
