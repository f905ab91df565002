"""One regression test per general weakness the fourth held-out round showed (14 public FARM
repositories scored at first sight; see benchmarks/README.md).

Each rebuilds the shape with minimal code of our own and pins the exact fact or finding; where a
fix narrows a rule, a control case pins what still counts.
"""

from __future__ import annotations

from analysis.load import analyze_app
from tests.analysis import repos
from tests.analysis.repos import MAIN, findings, warned_local_files

# --------------------------------------------------------------------------- the API root


def test_a_module_importing_its_siblings_runs_from_its_folder_below_a_requirements_file(tmp_path):
    # requirements.txt at the top only lists packages; Backend/index.py imports routes/ and config/
    # beside it as top-level modules, so the server starts in Backend (`uvicorn index:app`)
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "Backend/index.py": "from fastapi import FastAPI\n\nfrom routes.user import router\n\napp = FastAPI()\n",
        "Backend/routes/user.py": "from config.db import conn\n\nrouter = None\n",
        "Backend/config/db.py": "conn = None\n",
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    api = analysis.requirements.api
    assert (api.root, api.entrypoint, api.dependency_files) == ("Backend", "index:app", ["requirements.txt"])
    assert findings(analysis, "api-import-path") == []


def test_a_module_without_sibling_imports_still_runs_from_the_requirements_folder(tmp_path):
    # control: a lone main.py below the requirements file imports nothing of its own
    files = {"requirements.txt": "fastapi\n", "server/app/main.py": MAIN}
    api = analyze_app(repos.build(tmp_path, files)).requirements.api
    assert (api.root, api.entrypoint) == (".", "server.app.main:app")


# --------------------------------------------------------------------------- Python version


def test_a_requires_python_lower_bound_above_the_default_is_the_version(tmp_path):
    # `>=3.13` rules the default 3.12 out: the oldest version the project allows deploys
    files = {
        "backend/pyproject.toml": '[project]\nname = "api"\nrequires-python = ">=3.13"\ndependencies = ["fastapi"]\n',
        "backend/app/main.py": MAIN,
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.api.python_version == "3.13"


def test_a_requires_python_lower_bound_the_default_meets_pins_nothing(tmp_path):
    # control: `>=3.10` allows the default, which stays
    files = {
        "backend/pyproject.toml": '[project]\nname = "api"\nrequires-python = ">=3.10"\ndependencies = ["fastapi"]\n',
        "backend/app/main.py": MAIN,
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.api.python_version == "3.12"


# --------------------------------------------------------------------------- MongoDB


def test_the_apps_own_class_named_like_a_driver_client_is_not_a_client(tmp_path):
    # clients.py wraps the driver in its own `class MongoClient`; deps.py builds that wrapper and calls its
    # methods: `store.find_user` is not a database, the name comes from the wrapper's default
    files = {
        "api/requirements.txt": "fastapi\nmotor\n",
        "api/app/main.py": MAIN + "from app.deps import current_user  # noqa: E402,F401\n",
        "api/app/names.py": 'DATABASE_NAME = "ledger"\n',
        "api/app/clients.py": (
            "import os\n\nfrom motor.motor_asyncio import AsyncIOMotorClient\n\nfrom app.names import DATABASE_NAME\n\n\n"
            "class MongoClient:\n    def __init__(self, database_name: str = DATABASE_NAME):\n"
            "        self.db = AsyncIOMotorClient(os.environ['LEDGER_MONGO_URI'])[database_name]\n\n"
            "    async def find_user(self, uid):\n        return await self.db.users.find_one({'uid': uid})\n"
        ),
        "api/app/deps.py": (
            "from app.clients import MongoClient\n\n\nasync def current_user(uid: str):\n"
            "    store = MongoClient()\n    return await store.find_user(uid)\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    database = analysis.requirements.database
    assert (database.database_name, database.uri_env) == ("ledger", "LEDGER_MONGO_URI")
    assert findings(analysis, "mongodb-client") == []  # MongoClient() with no argument is not a localhost client


def test_a_driver_client_imported_from_the_driver_still_counts(tmp_path):
    # control: an attribute of pymongo's MongoClient is the database
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "main.py": MAIN + "from store import db  # noqa: E402,F401\n",
        "store.py": "import os\n\nfrom pymongo import MongoClient\n\nclient = MongoClient(os.environ['SHOP_URI'])\ndb = client.shop\n",
    }
    database = analyze_app(repos.build(tmp_path, files)).requirements.database
    assert (database.database_name, database.uri_env) == ("shop", "SHOP_URI")


def test_a_settings_property_assembling_the_uri_reads_no_single_variable(tmp_path):
    # the client gets settings.DB_URL, a computed property built from five fields: no variable holds the
    # connection string, so the report says so instead of naming DB_URL
    files = {
        "backend/requirements.txt": "fastapi\nmotor\npydantic-settings\n",
        "backend/app/main.py": MAIN + "from app.db import connect  # noqa: E402,F401\n",
        "backend/app/config.py": (
            "from pydantic import computed_field\nfrom pydantic_settings import BaseSettings\n\n\n"
            "class Settings(BaseSettings):\n    DB_HOST: str\n    DB_USER: str\n    DB_PASSWORD: str\n\n"
            "    @computed_field\n    @property\n    def DB_URL(self) -> str:\n"
            '        return f"mongodb://{self.DB_USER}:{self.DB_PASSWORD}@{self.DB_HOST}"\n\n\nsettings = Settings()\n'
        ),
        "backend/app/db.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom app.config import settings\n\n\n"
            "def connect():\n    return AsyncIOMotorClient(settings.DB_URL)\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [unresolved] = findings(analysis, "mongodb-uri-unresolved")
    assert (unresolved.file, unresolved.line, unresolved.detail["how"]) == ("backend/app/config.py", 12, "composed")


def test_a_settings_field_handed_to_the_client_is_still_the_variable(tmp_path):
    # control: a plain field with the same name is read from DB_URL
    files = {
        "backend/requirements.txt": "fastapi\nmotor\npydantic-settings\n",
        "backend/app/main.py": MAIN + "from app.db import connect  # noqa: E402,F401\n",
        "backend/app/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    DB_URL: str\n\n\n"
            "settings = Settings()\n"
        ),
        "backend/app/db.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom app.config import settings\n\n\n"
            "def connect():\n    return AsyncIOMotorClient(settings.DB_URL)\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "DB_URL"
    assert findings(analysis, "mongodb-uri-unresolved") == []


def test_a_settings_property_that_reads_the_uri_variable_first_names_it(tmp_path):
    # control: a property that returns os.environ.get("DATABASE_URL") when set, and only composes the
    # URI from fields otherwise, reads DATABASE_URL
    files = {
        "backend/requirements.txt": "fastapi\nmotor\npydantic-settings\n",
        "backend/app/main.py": MAIN + "from app.db import connect  # noqa: E402,F401\n",
        "backend/app/config.py": (
            "import os\n\nfrom pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    host: str = 'db'\n    user: str = 'app'\n\n    @property\n    def database_url(self) -> str:\n"
            "        if not os.environ.get('DATABASE_URL'):\n            return f'mongodb://{self.user}@{self.host}'\n"
            "        return os.environ['DATABASE_URL']\n\n\nsettings = Settings()\n"
        ),
        "backend/app/db.py": (
            "from motor.motor_asyncio import AsyncIOMotorClient\n\nfrom app.config import settings\n\n\n"
            "def connect():\n    return AsyncIOMotorClient(str(settings.database_url))\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.uri_env == "DATABASE_URL"
    assert findings(analysis, "mongodb-uri-unresolved") == []


def test_a_database_selected_into_a_local_nobody_reads_is_not_the_name(tmp_path):
    # the startup hook selects client["hello"] into a local it drops; the routes use client.ledger
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "main.py": (
            "import os\n\nfrom fastapi import FastAPI\nfrom pymongo import MongoClient\n\napp = FastAPI()\n"
            "client = MongoClient(os.getenv('MONGO_URI'))\n\n\n@app.on_event('startup')\ndef startup():\n"
            "    db = client['hello']\n    print('connected')\n\n\n@app.get('/users')\ndef users():\n"
            "    return list(client.ledger.users.find())\n"
        ),
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.database.database_name == "ledger"


def test_a_database_selected_into_a_local_that_is_used_is_the_name(tmp_path):
    # control: the local is read afterwards
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "main.py": (
            "import os\n\nfrom fastapi import FastAPI\nfrom pymongo import MongoClient\n\napp = FastAPI()\n"
            "client = MongoClient(os.getenv('MONGO_URI'))\n\n\n@app.get('/users')\ndef users():\n"
            "    db = client['hello']\n    return list(db.users.find())\n"
        ),
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.database.database_name == "hello"


def test_the_database_selected_on_an_imported_client_is_the_name(tmp_path):
    # config/db.py builds `conn`; routes/orders.py imports it and selects the database there, in a
    # module that never mentions MongoDB
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "api/index.py": "from fastapi import FastAPI\n\nfrom routes.orders import router\n\napp = FastAPI()\napp.include_router(router)\n",
        "api/config/db.py": "import os\n\nfrom pymongo import MongoClient\n\nconn = MongoClient(os.getenv('DATABASE_URL'))\n",
        "api/routes/orders.py": (
            "from fastapi import APIRouter\n\nfrom config.db import conn\n\nrouter = APIRouter()\n\n\n"
            "@router.get('/orders')\ndef orders():\n    conn.close\n    return list(conn.Shop.orders.find())\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert analysis.requirements.database.database_name == "Shop"
    [name] = findings(analysis, "mongodb-database")
    assert (name.file, name.line, name.detail["client"]) == ("api/routes/orders.py", 11, "conn")


def test_a_database_the_client_module_selects_itself_wins_over_an_importer(tmp_path):
    # control: the module that builds the client also selects the database; importers are not read
    files = {
        "requirements.txt": "fastapi\npymongo\n",
        "main.py": "from fastapi import FastAPI\n\nfrom db import conn\n\napp = FastAPI()\nconn.other.things.find()\n",
        "db.py": "import os\n\nfrom pymongo import MongoClient\n\nconn = MongoClient(os.getenv('DATABASE_URL'))\nshop = conn.shop\n",
    }
    assert analyze_app(repos.build(tmp_path, files)).requirements.database.database_name == "shop"


# --------------------------------------------------------------------------- front end


def test_vue_on_vue_cli_is_a_front_end(tmp_path):
    # Vue 2 built by vue-cli-service: framework unknown, the package manager of its yarn.lock, output
    # from vue.config.js's outputDir
    files = {
        "requirements.txt": "fastapi\n",
        "backend/main.py": MAIN,
        "frontend/package.json": (
            '{"name": "web", "scripts": {"serve": "vue-cli-service serve", "build": "vue-cli-service build"},\n'
            ' "dependencies": {"vue": "^2.6.14"},\n "devDependencies": {"@vue/cli-service": "~4.5.0"}}\n'
        ),
        "frontend/yarn.lock": "# yarn lockfile v1\n",
        "frontend/vue.config.js": "module.exports = {\n  outputDir: 'public_html',\n}\n",
    }
    web = analyze_app(repos.build(tmp_path, files)).requirements.web
    assert (web.root, web.framework, web.package_manager, web.build_command, web.output_dir) == (
        "frontend",
        "unknown",
        "yarn",
        "yarn build",
        "public_html",
    )


def test_addresses_in_vue_components_are_read(tmp_path):
    # a checkout return URL written in a .vue component's script breaks once deployed; a commented one
    # in its template does not count
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "frontend/package.json": '{"scripts": {"build": "vue-cli-service build"}, "devDependencies": {"@vue/cli-service": "4"}}\n',
        "frontend/src/Checkout.vue": (
            "<template>\n  <!-- <a href='http://localhost:8080/help'>help</a> -->\n  <div>{{ successURL }}</div>\n"
            "</template>\n<script>\nexport default {\n  data () {\n"
            "    return { successURL: 'http://localhost:8080/orders' }\n  },\n}\n</script>\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert [(f.file, f.line) for f in findings(analysis, "localhost-url")] == [("frontend/src/Checkout.vue", 8)]
    assert warned_local_files(analysis) == ["frontend/src/Checkout.vue"]


def test_an_address_under_a_development_check_is_not_hard_coded(tmp_path):
    # the API client prefixes localhost only when the page itself is served from localhost; env.ts
    # falls back to a local API after checking NODE_ENV: both are development values (info)
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "frontend/package.json": '{"dependencies": {"react": "18", "vite": "5"}}\n',
        "frontend/src/client.ts": (
            "export const call = (url: string) => {\n  if (window.location.hostname === 'localhost') {\n"
            "    url = 'http://localhost:4000' + url\n  }\n  return fetch(url)\n}\n"
        ),
        "frontend/src/env.ts": (
            "export const apiBase = (): string => {\n  if (\n    process.env.NODE_ENV === 'production'\n  ) {\n"
            "    return `https://${document.location.host}`\n  }\n  return 'http://0.0.0.0:8000'\n}\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    assert sorted((f.file, f.line, f.severity) for f in findings(analysis, "localhost-url")) == [
        ("frontend/src/client.ts", 3, "info"),
        ("frontend/src/env.ts", 7, "info"),
    ]


def test_an_address_with_no_development_check_above_it_is_hard_coded(tmp_path):
    # control: the same client with the check far above (another function) still warns
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "frontend/package.json": '{"dependencies": {"react": "18", "vite": "5"}}\n',
        "frontend/src/client.ts": (
            "export const local = () => window.location.hostname === 'localhost'\n"
            + "\n" * 10
            + "export const call = (url: string) => fetch('http://localhost:4000' + url)\n"
        ),
    }
    assert warned_local_files(analyze_app(repos.build(tmp_path, files))) == ["frontend/src/client.ts"]


def test_an_origins_list_the_app_module_never_reads_is_not_in_use(tmp_path):
    # main.py builds an origins list and then allows "*": the list configures nothing
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": (
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n\n"
            "origins = [\n    'http://localhost:3000',\n]\n\napp.add_middleware(CORSMiddleware, allow_origins=['*'])\n"
        ),
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    [local] = findings(analysis, "localhost-url")
    assert (local.file, local.line, local.severity, local.detail["hard_coded"]) == ("main.py", 7, "info", "false")


def test_an_upper_case_constant_the_app_module_does_not_read_is_still_hard_coded(tmp_path):
    # control: FRONTEND_URL is written to be imported elsewhere (`from main import FRONTEND_URL`)
    files = {"requirements.txt": "fastapi\n", "main.py": MAIN + "\nFRONTEND_URL = 'http://localhost:3000'\n"}
    assert warned_local_files(analyze_app(repos.build(tmp_path, files))) == ["main.py"]


def test_an_origins_list_the_app_module_passes_on_is_hard_coded(tmp_path):
    # control: the list is handed to the middleware
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": (
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\n\n"
            "origins = [\n    'http://localhost:3000',\n]\n\napp.add_middleware(CORSMiddleware, allow_origins=origins)\n"
        ),
    }
    assert warned_local_files(analyze_app(repos.build(tmp_path, files))) == ["main.py"]


# --------------------------------------------------------------------------- secrets


# generated-looking values of our own (random letters and digits), not anyone's credential
STORAGE_KEY = "Qm7xTz2LwP9vRk4sNb8cYd3H"
STORAGE_SECRET = "v8Lq2ZpX7mW4kR9tB3nJ6cH1sD5fG0aY+eU2iO8rT4w="


def test_credential_literals_in_front_end_code_are_secrets(tmp_path):
    # a storage service's key and secret written into a Vuex action and a component: both committed
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "frontend/src/store/upload.js": (
            "export async function upload(file) {\n  const input = {\n"
            f"    apiKey: '{STORAGE_KEY}',\n    apiSecret: '{STORAGE_SECRET}',\n"
            "    key: `images/${file.name}`,\n  }\n  return input\n}\n"
        ),
        "frontend/src/components/Table.vue": f'<script>\nconst API_KEY = "{STORAGE_KEY}"\nexport default {{}}\n</script>\n',
    }
    analysis = analyze_app(repos.build(tmp_path, files))
    found = sorted((f.file, f.line, f.detail["variable"], f.detail["type"]) for f in findings(analysis, "secret"))
    assert found == [
        ("frontend/src/components/Table.vue", 2, "API_KEY", "code-literal"),
        ("frontend/src/store/upload.js", 3, "apiKey", "code-literal"),
        ("frontend/src/store/upload.js", 4, "apiSecret", "code-literal"),
    ]
    assert all(STORAGE_SECRET not in f.message and STORAGE_SECRET not in str(f.detail) for f in analysis.findings)


def test_public_keys_and_key_names_in_front_end_code_are_not_secrets(tmp_path):
    # control: a Firebase web config's apiKey (public by design), a reCAPTCHA site key, a localStorage key
    # name, a message and a React list key
    files = {
        "requirements.txt": "fastapi\n",
        "main.py": MAIN,
        "frontend/src/firebase.js": (
            "export const config = {\n  apiKey: 'AIzaSyB7xQ2mLp9TzR4wKc8vNd3Hf6Jg1Ys5Ea0',\n"
            "  authDomain: 'demo-app.firebaseapp.com',\n}\n"
        ),
        "frontend/src/constants.js": (
            "export const RECAPTCHA_SITE_KEY = '6LdQ2xYpAAAAAB7mKq9TzR4wLc8vNd3Hf6Jg1Ys5'\n"
            "export const ACCESS_TOKEN_KEY = 'farm_stack_access_token_v2'\n"
            "export const PASSWORD_HINT = 'Use at least 8 characters, one of them a digit'\n"
        ),
        "frontend/src/List.jsx": "export const List = ({ items }) => items.map((i) => <li key={i.id}>{i.name}</li>)\n",
    }
    assert findings(analyze_app(repos.build(tmp_path, files)), "secret") == []
