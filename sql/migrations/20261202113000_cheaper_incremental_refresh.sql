-- 20261202113000_cheaper_incremental_refresh.sql
--
-- A cheaper refresh over the incremental state of 20261202110000/20261202110001, with the
-- same results (docs/incremental-refresh.md):
--
-- * analytics.summary_stats evaluates "today" once per refresh (an init plan) instead of once
--   per learner: analytics.current_utc_date() sets search_path, so it is never inlined and
--   a call per row of learner_activity cost more than the rest of the view. The view is
--   dropped and created again (its query cannot change in place) with its wrapper, whose ACL
--   is saved and restored, as 20261202110001 does.
-- * analytics.apply_pending_changes():
--   - learner_days is keyed (activity_date, user_id): a batch's new learner-days land on a
--     few index pages, not one per learner;
--   - last activity dates follow from the batch (the later of the stored date and the newest
--     new day); only learners who lost a day look their latest day up (in their streaks);
--   - those streaks are recomputed from the removed streaks (a streak is every date from its
--     start to its last date) and the days that appeared or disappeared, without reading
--     learner_days;
--   - a moved lesson reads each affected learner's completions once for all moved tracks,
--     and the not-yet-taken change log once.
--
-- Idempotent: re-applying keeps the view, its wrapper and grants as they are.

select pg_catalog.pg_advisory_xact_lock(7406300);

-- Not `on commit drop`: a file applied statement by statement (psql) needs it until the end.
-- squawk-ignore ban-drop-table
drop table if exists pg_temp.saved_wrapper_acls;
create temp table saved_wrapper_acls as
select p.oid::regprocedure::text as wrapper, p.oid as saved_oid, p.proacl
  from pg_catalog.pg_proc as p
 where p.oid = pg_catalog.to_regprocedure('analytics.get_summary_stats()');

-- Drop the view only while it still calls current_utc_date() per row.
do $$
begin
  if pg_catalog.to_regclass('analytics.summary_stats') is not null
     and pg_catalog.strpos(pg_catalog.pg_get_viewdef('analytics.summary_stats'::regclass), 'SELECT analytics.current_utc_date()') = 0 then
    drop materialized view analytics.summary_stats cascade;
  end if;
end
$$;

create materialized view if not exists analytics.summary_stats as
select
  1 as id,
  (select count(*) from analytics.learner_activity) as total_learners,
  (select count(*)
     from analytics.learner_activity as a
    where a.last_activity_date >= (select analytics.current_utc_date()) - 6) as learners_active_7d,
  (select coalesce(sum(t.lessons_completed), 0)::bigint from analytics.day_totals as t) as total_lesson_completions,
  (select coalesce(sum(q.attempts), 0)::bigint from analytics.quiz_totals as q) as total_quiz_attempts,
  (select coalesce(sum(t.review_sessions), 0)::bigint from analytics.day_totals as t) as total_review_sessions,
  (select coalesce(sum(e.views), 0)::bigint from analytics.explanation_totals as e) as total_explanation_views,
  now() as refreshed_at
with no data;

-- The view was just created `with no data` (or is kept, and the index exists): nothing to block.
-- squawk-ignore require-concurrent-index-creation
create unique index if not exists summary_stats_id_key on analytics.summary_stats (id);
comment on materialized view analytics.summary_stats is
  'One row (id 1): learners with any activity, learners active in the last 7 UTC days, event totals, refresh time.';
revoke all on analytics.summary_stats from public, anon, authenticated, service_role;

create or replace function analytics.get_summary_stats()
returns setof analytics.summary_stats
language plpgsql
stable
-- security definer: the caller (authenticated, admin) cannot select the view; the function
-- reads it as its owner after checking is_admin().
security definer
set search_path = ''
as $$
begin
  perform analytics.assert_admin('analytics.get_summary_stats()');
  return query select v.* from analytics.summary_stats as v;
end
$$;

-- Restore the wrapper's ACL when it was created again (a new function has PUBLIC's default
-- execute; the saved ACL says who really had it). A kept wrapper keeps its own.
do $$
declare
  wrapper_fn constant regprocedure := 'analytics.get_summary_stats()'::regprocedure;
  entry record;
begin
  if not exists (select 1 from pg_temp.saved_wrapper_acls as s where s.saved_oid = wrapper_fn::oid) then
    execute pg_catalog.format('revoke all on function %s from public, anon, authenticated, service_role', wrapper_fn);
    for entry in
      select a.grantee
        from pg_temp.saved_wrapper_acls as s
       cross join lateral pg_catalog.aclexplode(s.proacl) as a
       where s.wrapper = wrapper_fn::text and a.privilege_type = 'EXECUTE'
    loop
      execute pg_catalog.format(
        'grant execute on function %s to %s',
        wrapper_fn,
        case when entry.grantee = 0 then 'public' else entry.grantee::regrole::text end
      );
    end loop;
  end if;
end
$$;

-- squawk-ignore ban-drop-table
drop table pg_temp.saved_wrapper_acls;

-- learner_days is keyed by date first: a batch's new learner-days (mostly today's) then go
-- to a few adjacent index pages instead of one page per learner across the whole index. No
-- statement looks learner_days up by learner any more (last dates of learners who lost a day
-- come from their streaks). Rebuilding the index takes a few seconds at millions of rows;
-- only the refresh (whose lock this file holds) touches the table.
do $$
begin
  if (
    select a.attname
      from pg_catalog.pg_index as i
      join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
     where i.indrelid = 'analytics.learner_days'::regclass and i.indisprimary
  ) is distinct from 'activity_date' then
    alter table analytics.learner_days drop constraint if exists learner_days_pkey;
    alter table analytics.learner_days add constraint learner_days_pkey primary key (activity_date, user_id);
  end if;
end
$$;

create or replace function analytics.apply_pending_changes()
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
  cutoff constant date := analytics.current_utc_date() - 1;
  previous_cutoff date;
  rebuild boolean;
  applied jsonb;
begin
  -- The statements below touch a batch's rows, yet their estimates can look large:
  -- compiling them (JIT) would cost far more than running them. Transaction-local, so the
  -- views' refresh that follows in the same transaction runs without JIT too.
  perform pg_catalog.set_config('jit', 'off', true);
  -- Lessons keep their tracks until this transaction ends: a move (an update of lessons)
  -- waits, so every statement below maps lessons to tracks alike and every move committed
  -- before is in the log taken below. Event writers are not held up (share mode lets their
  -- foreign-key checks through).
  lock table public.lessons in share mode;
  select s.needs_rebuild, s.dropped_before into rebuild, previous_cutoff
    from analytics.incremental_state as s
   where s.id = 1
     for update;
  if rebuild or previous_cutoff is null then
    return analytics.rebuild_incremental_state();
  end if;

  -- 1. Take the logged changes: each row exactly once; rows committed from now on stay.
  -- The work tables are only used here, under the refresh lock: truncate (no dead rows).
  truncate analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views,
    analytics.batch_moves, analytics.batch_day_changes, analytics.batch_old_streaks, analytics.batch_streak_changes,
    analytics.batch_pairs, analytics.batch_viewer_changes;
  with taken as (delete from analytics.lesson_completion_changes returning *)
  insert into analytics.batch_lessons select * from taken;
  with taken as (delete from analytics.quiz_attempt_changes returning *)
  insert into analytics.batch_quizzes select * from taken;
  with taken as (delete from analytics.review_session_changes returning *)
  insert into analytics.batch_reviews select * from taken;
  with taken as (delete from analytics.explanation_view_changes returning *)
  insert into analytics.batch_views select * from taken;
  with taken as (delete from analytics.lesson_moves returning *)
  insert into analytics.batch_moves select * from taken;
  -- Plans follow this batch's size and spread (the statements below join it to large rollups).
  analyze analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views, analytics.batch_moves;

  applied := pg_catalog.jsonb_build_object(
    'lesson_completions', (select count(*) from analytics.batch_lessons),
    'quiz_attempts', (select count(*) from analytics.batch_quizzes),
    'review_sessions', (select count(*) from analytics.batch_reviews),
    'explanation_views', (select count(*) from analytics.batch_views),
    'lesson_moves', (select count(*) from analytics.batch_moves)
  );

  -- 2. Learner-days: signed deltas, then the values after them.
  with events as (
    select l.user_id, (l.completed_at at time zone 'utc')::date as activity_date,
           l.sign::bigint as lessons, 0::bigint as quizzes, 0::bigint as reviews,
           0::bigint as review_cards, 0::bigint as reviews_ended, 0::numeric as review_seconds
      from analytics.batch_lessons as l
    union all
    select q.user_id, (q.completed_at at time zone 'utc')::date, 0, q.sign, 0, 0, 0, 0
      from analytics.batch_quizzes as q
     where q.completed_at is not null
    union all
    select r.user_id, (r.started_at at time zone 'utc')::date, 0, 0, r.sign, r.sign * r.cards_reviewed,
           case when r.ended_at is not null then r.sign else 0 end,
           case when r.ended_at is not null then r.sign * extract(epoch from r.ended_at - r.started_at) else 0 end
      from analytics.batch_reviews as r
  ),
  deltas as (
    select e.user_id, e.activity_date, sum(e.lessons)::bigint as lessons, sum(e.quizzes)::bigint as quizzes,
           sum(e.reviews)::bigint as reviews, sum(e.review_cards)::bigint as review_cards,
           sum(e.reviews_ended)::bigint as reviews_ended, sum(e.review_seconds) as review_seconds
      from events as e
     group by e.user_id, e.activity_date
  ),
  upserted as (
    insert into analytics.learner_days as d (user_id, activity_date, lessons, quizzes, reviews, review_cards, reviews_ended, review_seconds)
    select x.user_id, x.activity_date, x.lessons, x.quizzes, x.reviews, x.review_cards, x.reviews_ended, x.review_seconds
      from deltas as x
     order by x.activity_date, x.user_id
    on conflict (user_id, activity_date) do update set
      lessons = d.lessons + excluded.lessons,
      quizzes = d.quizzes + excluded.quizzes,
      reviews = d.reviews + excluded.reviews,
      review_cards = d.review_cards + excluded.review_cards,
      reviews_ended = d.reviews_ended + excluded.reviews_ended,
      review_seconds = d.review_seconds + excluded.review_seconds
    returning d.user_id, d.activity_date, d.lessons + d.quizzes + d.reviews as events_after, d.reviews as reviews_after
  )
  insert into analytics.batch_day_changes
  select x.user_id, x.activity_date, x.lessons, x.quizzes, x.reviews, x.review_cards, x.reviews_ended, x.review_seconds,
         u.events_after, u.reviews_after
    from upserted as u
    join deltas as x on x.user_id = u.user_id and x.activity_date = u.activity_date;

  analyze analytics.batch_day_changes;
  delete from analytics.learner_days as d
   using analytics.batch_day_changes as c
   where d.user_id = c.user_id and d.activity_date = c.activity_date and c.events_after = 0;

  -- Per-day totals: counts add up; a learner counts on a day while their learner-day exists.
  insert into analytics.day_totals as t (
    activity_date, active_learners, lessons_completed, quizzes_completed, review_sessions,
    review_learners, cards_reviewed, reviews_ended, review_seconds
  )
  select c.activity_date,
         sum((c.events_after > 0)::int - (c.events_after - c.lessons - c.quizzes - c.reviews > 0)::int)::bigint,
         sum(c.lessons)::bigint, sum(c.quizzes)::bigint, sum(c.reviews)::bigint,
         sum((c.reviews_after > 0)::int - (c.reviews_after - c.reviews > 0)::int)::bigint,
         sum(c.review_cards)::bigint, sum(c.reviews_ended)::bigint, sum(c.review_seconds)
    from analytics.batch_day_changes as c
   group by c.activity_date
  on conflict (activity_date) do update set
    active_learners = t.active_learners + excluded.active_learners,
    lessons_completed = t.lessons_completed + excluded.lessons_completed,
    quizzes_completed = t.quizzes_completed + excluded.quizzes_completed,
    review_sessions = t.review_sessions + excluded.review_sessions,
    review_learners = t.review_learners + excluded.review_learners,
    cards_reviewed = t.cards_reviewed + excluded.cards_reviewed,
    reviews_ended = t.reviews_ended + excluded.reviews_ended,
    review_seconds = t.review_seconds + excluded.review_seconds;
  delete from analytics.day_totals as t
   where t.active_learners = 0
     and t.activity_date in (select c.activity_date from analytics.batch_day_changes as c);

  -- 3. Learners whose set of activity dates changed: last activity date and streaks.
  delete from analytics.batch_day_changes as c
   where (c.events_after > 0) = (c.events_after - c.lessons - c.quizzes - c.reviews > 0);


  -- From here on batch_day_changes holds only days that appeared (events_after > 0) or
  -- disappeared (events_after = 0).
  -- A changed day d can only change the streaks that touch d - 1 .. d + 1: per learner,
  -- delete the streaks meeting [min d - 1, max d + 1] and recompute that stretch.
  with touched as (
    select c.user_id, min(c.activity_date) - 1 as lo, max(c.activity_date) + 1 as hi
      from analytics.batch_day_changes as c
     group by c.user_id
  ),
  removed as (
    delete from analytics.learner_streaks as s
     using touched as t
     where s.user_id = t.user_id and s.last_date >= t.lo and s.start_date <= t.hi
    returning s.*
  )
  insert into analytics.batch_old_streaks select * from removed;

  insert into analytics.batch_streak_changes (user_id, streak_length, delta)
  select o.user_id, o.streak_length, -1 from analytics.batch_old_streaks as o where o.last_date < previous_cutoff;

  -- The stretch's dates after the batch: those of the removed streaks (every date from start
  -- to last) that did not disappear, and the days that appeared (none of which was in a
  -- streak). Every date the learner had in the stretch belonged to a removed streak: a date
  -- within [min d - 1, max d + 1] was in a streak meeting it, and a date outside it but in
  -- the stretch lies inside the removed streak that widened the stretch.
  with days as (
    select o.user_id, g.day::date as activity_date
      from analytics.batch_old_streaks as o
     cross join lateral pg_catalog.generate_series(o.start_date::timestamp, o.last_date::timestamp, interval '1 day') as g (day)
     where not exists (
       select 1 from analytics.batch_day_changes as c
        where c.user_id = o.user_id and c.activity_date = g.day::date and c.events_after = 0
     )
    union all
    select c.user_id, c.activity_date from analytics.batch_day_changes as c where c.events_after > 0
  ),
  islands as (
    select d.user_id, d.activity_date,
           d.activity_date - (row_number() over (partition by d.user_id order by d.activity_date))::int as island
      from days as d
  ),
  added as (
    insert into analytics.learner_streaks (user_id, start_date, last_date, streak_length)
    select i.user_id, min(i.activity_date), max(i.activity_date), count(*)::int
      from islands as i
     group by i.user_id, i.island
     order by i.user_id, min(i.activity_date)
    returning user_id, last_date, streak_length
  )
  insert into analytics.batch_streak_changes (user_id, streak_length, delta)
  select a.user_id, a.streak_length, 1 from added as a where a.last_date < previous_cutoff;

  -- Last activity dates: the later of the stored one and the newest appeared day, unless a
  -- day disappeared: then the last date of the learner's streaks (brought up to date above;
  -- learner_days has no index by learner).
  with per_learner as (
    select c.user_id,
           max(c.activity_date) filter (where c.events_after > 0) as newest,
           bool_or(c.events_after = 0) as lost
      from analytics.batch_day_changes as c
     group by c.user_id
  ),
  latest as (
    select p.user_id, a.last_activity_date as stored,
           case
             when p.lost then (select max(s.last_date) from analytics.learner_streaks as s where s.user_id = p.user_id)
             else greatest(a.last_activity_date, p.newest)
           end as last_date
      from per_learner as p
      left join analytics.learner_activity as a on a.user_id = p.user_id
  ),
  gone as (
    delete from analytics.learner_activity as a
     using latest as l
     where a.user_id = l.user_id and l.last_date is null
  )
  insert into analytics.learner_activity as a (user_id, last_activity_date)
  select l.user_id, l.last_date from latest as l
   where l.last_date is not null and l.last_date is distinct from l.stored
  on conflict (user_id) do update set last_activity_date = excluded.last_activity_date;

  -- The date changed: streaks whose last date lies between the old and the new cutoff
  -- dropped off (or, if the date went back, are running again).
  if cutoff <> previous_cutoff then
    insert into analytics.batch_streak_changes (user_id, streak_length, delta)
    select s.user_id, s.streak_length, case when cutoff > previous_cutoff then 1 else -1 end
      from analytics.learner_streaks as s
     where s.last_date >= least(cutoff, previous_cutoff) and s.last_date < greatest(cutoff, previous_cutoff);
    update analytics.incremental_state set dropped_before = cutoff where id = 1;
  end if;
  perform analytics.apply_streak_changes();

  -- 4. Lessons: completions per track and learner.
  -- Per track and learner: the batch's completions as deltas, by the lessons' tracks (which
  -- cannot change while this runs: see the lock above).
  with deltas as (
    select le.track_id, l.user_id, sum(l.sign)::bigint as completions
      from analytics.batch_lessons as l
      join public.lessons as le on le.id = l.lesson_id
     group by le.track_id, l.user_id
    having sum(l.sign) <> 0
  ),
  upserted as (
    insert into analytics.track_learners as tl (track_id, user_id, completions)
    select d.track_id, d.user_id, d.completions from deltas as d order by d.track_id, d.user_id
    on conflict (track_id, user_id) do update set completions = tl.completions + excluded.completions
    returning tl.track_id, tl.user_id, tl.completions
  )
  insert into analytics.batch_pairs (track_id, user_id, old_completions, new_completions, recomputed)
  select u.track_id, u.user_id, u.completions - d.completions, u.completions, false
    from upserted as u
    join deltas as d on d.track_id = u.track_id and d.user_id = u.user_id;

  -- A lesson that moved takes its learners along: their old and new tracks are recomputed
  -- (rare: a content edit). In one statement, so one snapshot: what the state holds is what
  -- the base tables hold less the changes logged but not yet taken.
  with moved_lessons as (
    select distinct m.lesson_id from analytics.batch_moves as m
  ),
  moved_tracks as (
    select distinct m.track_id from analytics.batch_moves as m
  ),
  learners as (
    select lc.user_id from public.lesson_completions as lc where lc.lesson_id in (select lesson_id from moved_lessons)
    union
    select c.user_id from analytics.lesson_completion_changes as c where c.lesson_id in (select lesson_id from moved_lessons)
    union
    select b.user_id from analytics.batch_lessons as b where b.lesson_id in (select lesson_id from moved_lessons)
  ),
  -- each learner's completions read once (by the learner's index) for all moved tracks
  counted as (
    select u.user_id, n.track_id, n.completions
      from learners as u
     cross join lateral (
       select le.track_id, count(*)::bigint as completions
         from public.lesson_completions as lc
         join public.lessons as le on le.id = lc.lesson_id
        where lc.user_id = u.user_id and le.track_id in (select track_id from moved_tracks)
        group by le.track_id
     ) as n
  ),
  -- logged but not yet taken (committed after the take above): read once
  pending as (
    select c.user_id, le.track_id, sum(c.sign)::bigint as completions
      from analytics.lesson_completion_changes as c
      join public.lessons as le on le.id = c.lesson_id
     where le.track_id in (select track_id from moved_tracks)
     group by c.user_id, le.track_id
  )
  insert into analytics.batch_pairs (track_id, user_id, old_completions, new_completions, recomputed)
  select t.track_id, u.user_id,
         coalesce((select tl.completions from analytics.track_learners as tl
                    where tl.track_id = t.track_id and tl.user_id = u.user_id), 0),
         coalesce(n.completions, 0) - coalesce(p.completions, 0),
         true
    from moved_tracks as t
   cross join learners as u
    left join counted as n on n.track_id = t.track_id and n.user_id = u.user_id
    left join pending as p on p.track_id = t.track_id and p.user_id = u.user_id;
  insert into analytics.track_learners as tl (track_id, user_id, completions)
  select p.track_id, p.user_id, p.new_completions from analytics.batch_pairs as p
   where p.recomputed and p.new_completions <> p.old_completions
  on conflict (track_id, user_id) do update set completions = excluded.completions;
  delete from analytics.track_learners as tl
   using analytics.batch_pairs as p
   where p.new_completions = 0 and tl.track_id = p.track_id and tl.user_id = p.user_id and tl.completions = 0;

  -- Old and new values per row telescope when a pair was both updated and recomputed.
  insert into analytics.track_totals as t (track_id, learners, lesson_completions)
  select p.track_id,
         sum((p.new_completions > 0)::int - (p.old_completions > 0)::int)::bigint,
         sum(p.new_completions - p.old_completions)::bigint
    from analytics.batch_pairs as p
   group by p.track_id
  on conflict (track_id) do update set
    learners = t.learners + excluded.learners,
    lesson_completions = t.lesson_completions + excluded.lesson_completions;
  delete from analytics.track_totals as t where t.learners = 0 and t.lesson_completions = 0;

  -- 5. Quizzes: every figure adds up.
  insert into analytics.quiz_totals as t (quiz_id, attempts, completed_attempts, score_sum, score_count)
  select q.quiz_id,
         sum(q.sign)::bigint,
         coalesce(sum(q.sign) filter (where q.completed_at is not null), 0)::bigint,
         coalesce(sum(q.sign * q.score) filter (where q.completed_at is not null and q.score is not null), 0),
         coalesce(sum(q.sign) filter (where q.completed_at is not null and q.score is not null), 0)::bigint
    from analytics.batch_quizzes as q
   group by q.quiz_id
  on conflict (quiz_id) do update set
    attempts = t.attempts + excluded.attempts,
    completed_attempts = t.completed_attempts + excluded.completed_attempts,
    score_sum = t.score_sum + excluded.score_sum,
    score_count = t.score_count + excluded.score_count;
  delete from analytics.quiz_totals as t
   where t.attempts = 0 and t.quiz_id in (select q.quiz_id from analytics.batch_quizzes as q);

  -- 6. Explanations: counters add up; a viewer counts while their per-explanation row exists.
  with deltas as (
    select v.explanation_id, v.user_id, sum(v.sign)::bigint as views
      from analytics.batch_views as v
     group by v.explanation_id, v.user_id
    having sum(v.sign) <> 0
  ),
  upserted as (
    insert into analytics.explanation_viewers as ev (explanation_id, user_id, views)
    select d.explanation_id, d.user_id, d.views from deltas as d order by d.explanation_id, d.user_id
    on conflict (explanation_id, user_id) do update set views = ev.views + excluded.views
    returning ev.explanation_id, ev.user_id, ev.views
  )
  insert into analytics.batch_viewer_changes (explanation_id, user_id, views_delta, views_after)
  select u.explanation_id, u.user_id, d.views, u.views
    from upserted as u
    join deltas as d on d.explanation_id = u.explanation_id and d.user_id = u.user_id;
  delete from analytics.explanation_viewers as ev
   using analytics.batch_viewer_changes as c
   where ev.explanation_id = c.explanation_id and ev.user_id = c.user_id and c.views_after = 0;

  with counters as (
    select v.explanation_id,
           sum(v.sign)::bigint as views,
           coalesce(sum(v.sign) filter (where v.helpful), 0)::bigint as helpful_votes,
           coalesce(sum(v.sign) filter (where not v.helpful), 0)::bigint as not_helpful_votes,
           sum(v.sign * v.dwell_seconds)::bigint as dwell_seconds
      from analytics.batch_views as v
     group by v.explanation_id
  ),
  viewers as (
    select c.explanation_id, sum((c.views_after > 0)::int - (c.views_after - c.views_delta > 0)::int)::bigint as unique_viewers
      from analytics.batch_viewer_changes as c
     group by c.explanation_id
  )
  insert into analytics.explanation_totals as t (explanation_id, views, unique_viewers, helpful_votes, not_helpful_votes, dwell_seconds)
  select c.explanation_id, c.views, coalesce(v.unique_viewers, 0), c.helpful_votes, c.not_helpful_votes, c.dwell_seconds
    from counters as c
    left join viewers as v on v.explanation_id = c.explanation_id
  on conflict (explanation_id) do update set
    views = t.views + excluded.views,
    unique_viewers = t.unique_viewers + excluded.unique_viewers,
    helpful_votes = t.helpful_votes + excluded.helpful_votes,
    not_helpful_votes = t.not_helpful_votes + excluded.not_helpful_votes,
    dwell_seconds = t.dwell_seconds + excluded.dwell_seconds;
  delete from analytics.explanation_totals as t
   where t.views = 0 and t.explanation_id in (select v.explanation_id from analytics.batch_views as v);

  -- The work tables are empty between runs.
  truncate analytics.batch_lessons, analytics.batch_quizzes, analytics.batch_reviews, analytics.batch_views,
    analytics.batch_moves, analytics.batch_day_changes, analytics.batch_old_streaks, analytics.batch_streak_changes,
    analytics.batch_pairs, analytics.batch_viewer_changes;
  return applied;
end
$$;

comment on function analytics.apply_pending_changes() is
  'Internal: applies the logged changes of the event tables (and a change of date) to the incremental state; called by the refresh under advisory lock 7406300.';

-- A re-created view is unpopulated: populate it (plain; readers wait for this commit anyway).
do $$
begin
  if not (select m.ispopulated from pg_catalog.pg_matviews as m where m.schemaname = 'analytics' and m.matviewname = 'summary_stats') then
    refresh materialized view analytics.summary_stats;
  end if;
end
$$;
