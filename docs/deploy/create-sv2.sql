-- The second StreamViz server's database (docs/deploy/compose.yaml); the first is POSTGRES_DB.
CREATE DATABASE sv2 OWNER streamviz;
